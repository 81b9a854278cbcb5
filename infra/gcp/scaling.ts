/**
 * The GCP pool's scaling on the routers' demand: the autoscaler's per-router signals and scale-in control, and the
 * routers' liveness alert policy, created under the pool.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { DEMAND_METRIC } from "../scaling/demand";

/** Seconds a router may publish nothing before the liveness alert policy opens an incident. */
export const PUBLISHER_SILENT_SECONDS = 300;

export interface DemandScalingArgs {
  project: string;
  zone: string;
  groupId: pulumi.Input<string>;
  minReplicas: number;
  maxReplicas: number;
  slotsPerNode: number;
  scaleInQuietMinutes: number;
  demandRouters?: string[];
  alertChannels?: string[];
  labels: Record<string, string>;
}

export function addDemandScaling(name: string, o: DemandScalingArgs, parent: pulumi.Resource): { autoscaler: gcp.compute.Autoscaler; publisherSilent?: gcp.monitoring.AlertPolicy } {
  const child = { parent };
  const out: { autoscaler?: gcp.compute.Autoscaler; publisherSilent?: gcp.monitoring.AlertPolicy } = {};
  // Scaling on the routers' demand for this pool, no CPU signal. A per-group metric's filter must select one time
  // series (AutoscalingPolicyCustomMetricUtilization.filter) and each router writes its own, so there is a signal
  // per router asking ceil(its demand x routers / slots per node) VMs; the autoscaler follows the signal that asks
  // for most, never less than ceil(total demand / slots). Scale-in: the autoscaler's 10-minute stabilization,
  // then at most one VM below the quiet window's peak (a 0 would never reach the API: the provider omits zeros).
  const routers = o.demandRouters ?? [];
  const demandFilter = `resource.type = "global" AND metric.labels.${DEMAND_METRIC.gcpPoolLabel} = "gcp"`;
  out.autoscaler = new gcp.compute.Autoscaler(`${name}-autoscaler`, {
    project: o.project,
    zone: o.zone,
    target: o.groupId,
    autoscalingPolicy: {
      minReplicas: o.minReplicas,
      maxReplicas: o.maxReplicas,
      cooldownPeriod: 300,
      metrics: routers.length === 0
        ? [{ name: DEMAND_METRIC.gcpMetricType, filter: demandFilter, singleInstanceAssignment: o.slotsPerNode }]
        : routers.map((router) => ({
          name: DEMAND_METRIC.gcpMetricType,
          filter: `${demandFilter} AND metric.labels.${DEMAND_METRIC.gcpRouterLabel} = "${router}"`,
          singleInstanceAssignment: o.slotsPerNode / routers.length,
        })),
      scaleInControl: { timeWindowSec: o.scaleInQuietMinutes * 60, maxScaledInReplicas: { fixed: 1 } },
    },
  }, child);

  // A router whose publisher stops leaves its signal without points (the autoscaler keeps the size): say so. The
  // absence condition holds per series, so one silent router is enough.
  if (routers.length > 0) {
    out.publisherSilent = new gcp.monitoring.AlertPolicy(`${name}-publisher-silent`, {
      project: o.project,
      displayName: `${name}: a router's burst demand publisher is silent`,
      combiner: "OR",
      severity: "WARNING",
      conditions: [{
        displayName: `no GCP burst demand from a router for ${PUBLISHER_SILENT_SECONDS / 60} minutes`,
        conditionAbsent: {
          filter: `metric.type = "${DEMAND_METRIC.gcpMetricType}" AND ${demandFilter}`,
          duration: `${PUBLISHER_SILENT_SECONDS}s`,
          aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MAX" }],
        },
      }],
      notificationChannels: o.alertChannels ?? [],
      documentation: { content: "The pool holds its size and cannot scale while a router is silent (docs/runbook.md).", mimeType: "text/markdown" },
      userLabels: o.labels,
    }, child);
  }
  return { autoscaler: out.autoscaler as gcp.compute.Autoscaler, ...(out.publisherSilent ? { publisherSilent: out.publisherSilent } : {}) };
}
