/** Burst pools that idle at zero must be able to leave zero. */
import { dependenciesOf, type PolicyResource, type StackPolicy } from "./lib/policy";
import { asArray, num, type Props, str } from "./lib/values";

/** Metrics an instance of the group itself emits: none exist while the group has no instance. */
const INSTANCE_PREDEFINED = new Set(["ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut", "ALBRequestCountPerTarget"]);

function instanceDerivedNamespace(namespace: string | undefined): boolean {
  return namespace === "AWS/EC2" || namespace === "CWAgent";
}

/**
 * Whether a step or simple policy can add capacity: a positive change, or an exact capacity above 0. A policy that
 * only takes the group back (a scale-in to 0 on a quiet alarm) is no way out of zero, whatever its alarm watches.
 */
function canGrow(policy: PolicyResource, type: string): boolean {
  const grows = (n: number | undefined) => n !== undefined && n > 0;
  if (type === "StepScaling") return asArray<Props>(policy.props.stepAdjustments).some((s) => grows(num(s.scalingAdjustment)));
  // Simple scaling: a positive change (ChangeInCapacity, PercentChangeInCapacity) or an exact capacity above 0.
  return grows(num(policy.props.scalingAdjustment));
}

/** Why an AWS scaling policy can (or cannot) act when the group has no instance. */
function awsPolicySignal(policy: PolicyResource, alarms: PolicyResource[]): string | undefined {
  const type = str(policy.props.policyType) ?? "SimpleScaling";
  if (type === "TargetTrackingScaling") {
    const t = (policy.props.targetTrackingConfiguration ?? {}) as Props;
    const predefined = str((t.predefinedMetricSpecification as Props | undefined)?.predefinedMetricType);
    if (predefined) return INSTANCE_PREDEFINED.has(predefined) ? undefined : `target tracking on ${predefined}`;
    const custom = t.customizedMetricSpecification as Props | undefined;
    const ns = str(custom?.namespace);
    return custom && !instanceDerivedNamespace(ns) ? `target tracking on ${ns ?? "a custom metric"}` : undefined;
  }
  if (type === "PredictiveScaling") return undefined;
  if (!canGrow(policy, type)) return undefined;
  // Step and simple policies act when an alarm that names them fires; the alarm's metric must exist at zero.
  const firing = alarms.filter((a) => dependenciesOf(a, "alarmActions").some((d) => d.urn === policy.urn));
  for (const a of firing) {
    const queries = asArray<Props>(a.props.metricQueries);
    const namespaces = queries.length > 0 ? queries.map((q) => str((q.metric as Props | undefined)?.namespace)).filter((n): n is string => !!n) : [str(a.props.namespace) ?? ""];
    if (namespaces.length > 0 && namespaces.every((n) => !instanceDerivedNamespace(n))) return `alarm ${a.name} on ${namespaces.join(", ")}`;
  }
  return undefined;
}

function gcpSignal(autoscaler: PolicyResource): string | undefined {
  const policy = (autoscaler.props.autoscalingPolicy ?? {}) as Props;
  // An autoscaler that is off, or may only scale in, never takes the group out of zero.
  const mode = str(policy.mode) ?? "ON";
  if (mode === "OFF" || mode === "ONLY_SCALE_IN") return undefined;
  for (const m of asArray<Props>(policy.metrics)) {
    const filter = str(m.filter) ?? "";
    const perGroup = m.singleInstanceAssignment !== undefined || (/resource\.type\s*=/.test(filter) && !/resource\.type\s*=\s*"?gce_instance"?/.test(filter));
    if (perGroup && autoscaler.type === "gcp:compute/autoscaler:Autoscaler") return `per-group metric ${str(m.name) ?? ""}`;
  }
  for (const s of asArray<Props>(policy.scalingSchedules)) if ((num(s.minRequiredReplicas) ?? 0) > 0 && s.disabled !== true) return `scaling schedule ${str(s.name) ?? ""}`;
  return undefined;
}

export const burstScalesFromZero: StackPolicy = {
  name: "burst-scales-from-zero",
  description: "A burst pool whose minimum is 0 has a scale-out signal that exists at zero instances: an AWS group needs a scaling policy that adds capacity on a metric its instances do not emit (an alarm outside AWS/EC2, a schedule), a GCP autoscaler that may scale out on a per-group metric (zonal groups) or a schedule. CPU-only autoscaling at minimum 0 never leaves zero.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "AWS: step scaling on CloudWatch alarms (a group at 0 emits no ASGAverageCPUUtilization, so the alarm stays INSUFFICIENT_DATA); GCP: cloud.google.com/compute/docs/autoscaler/scaling-cloud-monitoring-metrics (per-instance metrics cannot take a MIG below 1 VM; per-group metrics, zonal MIGs only, can scale to zero)",
  remediationSteps: "Scale on the routers' burst demand (infra/scaling/demand.ts): AWS step scaling on the demand alarms (AwsBurstPool), GCP a zonal group with the per-group demand metric (GcpBurstPool). Or raise the minimum above 0.",
  validateStack: (args, report) => {
    const alarms = args.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    const policies = args.resources.filter((r) => r.type === "aws:autoscaling/policy:Policy");
    const schedules = args.resources.filter((r) => r.type === "aws:autoscaling/schedule:Schedule");
    for (const asg of args.resources.filter((r) => r.type === "aws:autoscaling/group:Group")) {
      // A group that never runs anything (max 0) or never sits at zero (min > 0) needs no signal from zero.
      if ((num(asg.props.minSize) ?? 0) > 0 || (num(asg.props.maxSize) ?? 0) === 0) continue;
      const mine = (list: PolicyResource[]) => list.filter((p) => dependenciesOf(p, "autoscalingGroupName").some((d) => d.urn === asg.urn));
      const signals = [
        ...mine(policies).map((p) => awsPolicySignal(p, alarms)),
        ...mine(schedules).filter((s) => (num(s.props.desiredCapacity) ?? 0) > 0 || (num(s.props.minSize) ?? 0) > 0).map((s) => `schedule ${s.name}`),
      ].filter((s): s is string => !!s);
      if (signals.length === 0) report(`Auto Scaling group ${asg.name} has minimum 0 and no scale-out signal that exists at zero instances (its own CPU does not); scale on a metric something else publishes`, asg.urn);
    }
    for (const a of args.resources.filter((r) => r.type === "gcp:compute/autoscaler:Autoscaler" || r.type === "gcp:compute/regionAutoscaler:RegionAutoscaler")) {
      const policy = (a.props.autoscalingPolicy ?? {}) as Props;
      if ((num(policy.minReplicas) ?? 0) > 0 || (num(policy.maxReplicas) ?? 0) === 0) continue;
      if (!gcpSignal(a)) report(`autoscaler ${a.name} has minReplicas 0 and no signal that exists at zero VMs (CPU, load balancing and per-instance metrics need a running VM; per-group metrics need a zonal group)`, a.urn);
    }
  },
};

export const scalingPolicies = [burstScalesFromZero];
