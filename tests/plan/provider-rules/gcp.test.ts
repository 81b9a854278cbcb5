import { describe, expect, it } from "vitest";
import * as rules from "../../../plan/provider-rules/gcp";
import { problems, res } from "./harness";

const bucket = (inputs: Record<string, unknown>) => res("gcp:storage/bucket:Bucket", "b", { versioning: { enabled: true }, ...inputs });
const fw = (inputs: Record<string, unknown>) => res("gcp:compute/firewall:Firewall", "fw", { direction: "INGRESS", allows: [{ protocol: "tcp", ports: ["22"] }], sourceRanges: ["203.0.113.0/24"], ...inputs });
const spot = (scheduling: Record<string, unknown>) => res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { scheduling });

describe("GCP provider rules", () => {
  it("gcs-retention-without-versioning", () => {
    expect(problems(rules.bucketRetentionVersioning, bucket({}))).toEqual([]);
    expect(problems(rules.bucketRetentionVersioning, bucket({ versioning: { enabled: false }, retentionPolicy: { retentionPeriod: "86400" } }))).toEqual([]);
    expect(problems(rules.bucketRetentionVersioning, bucket({ retentionPolicy: { retentionPeriod: "86400" } }))).toEqual(["a bucket with versioning enabled cannot have a retention policy"]);
  });

  it("gcs-soft-delete-duration", () => {
    for (const days of [0, 7, 30, 90]) expect(problems(rules.bucketSoftDelete, bucket({ softDeletePolicy: { retentionDurationSeconds: days * 86400 } }))).toEqual([]);
    expect(problems(rules.bucketSoftDelete, bucket({ softDeletePolicy: { retentionDurationSeconds: 3 * 86400 } }))).toHaveLength(1);
    expect(problems(rules.bucketSoftDelete, bucket({ softDeletePolicy: { retentionDurationSeconds: 91 * 86400 } }))).toHaveLength(1);
  });

  it("gcs-lifecycle-rules", () => {
    expect(problems(rules.bucketLifecycle, bucket({ lifecycleRules: [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } }] }))).toEqual([]);
    expect(problems(rules.bucketLifecycle, bucket({ versioning: { enabled: false }, lifecycleRules: [{ action: { type: "SetStorageClass" }, condition: {} }, { action: { type: "Delete" }, condition: { numNewerVersions: 2 } }] }))).toEqual([
      "SetStorageClass needs a storageClass",
      "a lifecycle rule needs at least one condition",
      "a noncurrent-version condition on a bucket without versioning never matches",
    ]);
  });

  it("gcp-firewall-one-address-family", () => {
    expect(problems(rules.firewallOneFamily, fw({ sourceRanges: ["35.235.240.0/20", "203.0.113.0/24"] }))).toEqual([]);
    expect(problems(rules.firewallOneFamily, fw({ sourceRanges: ["2001:db8:100::/48"] }))).toEqual([]);
    expect(problems(rules.firewallOneFamily, fw({ sourceRanges: ["203.0.113.0/24", "2001:db8:100::/48"] }))).toEqual(["sourceRanges mixes IPv4 and IPv6; split the rule by address family"]);
  });

  it("gcp-firewall-shape", () => {
    expect(problems(rules.firewallShape, fw({}))).toEqual([]);
    expect(problems(rules.firewallShape, fw({ sourceRanges: [], denies: [{ protocol: "icmp", ports: ["1"] }], priority: 70000 }))).toEqual([
      "exactly one of allows, denies must be set (set: allows, denies)",
      "an INGRESS rule needs sourceRanges, sourceTags or sourceServiceAccounts",
      "priority must be between 0 and 65535",
      "ports apply only to tcp, udp and sctp (protocol icmp)",
    ]);
  });

  it("gce-metadata-limits", () => {
    const tpl = (script: string, extra: Record<string, unknown> = {}) => res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { metadataStartupScript: script, metadata: { "enable-oslogin": "TRUE", ...extra } });
    expect(problems(rules.instanceMetadataSize, tpl("x".repeat(256 * 1024)))).toEqual([]);
    expect(problems(rules.instanceMetadataSize, tpl("x".repeat(256 * 1024 + 1)))).toEqual(["metadata value startup-script is 262145 bytes, above 262144"]);
    expect(problems(rules.instanceMetadataSize, tpl("x", { "startup-script": "y", "bad key!": "z" }))).toEqual([
      "metadataStartupScript and metadata.startup-script cannot both be set",
      "metadata key bad key! must match [a-zA-Z0-9-_]+ and be under 128 bytes",
    ]);
  });

  it("gce-spot-scheduling", () => {
    expect(problems(rules.spotScheduling, spot({ provisioningModel: "SPOT", preemptible: true, automaticRestart: false, onHostMaintenance: "TERMINATE", instanceTerminationAction: "DELETE" }))).toEqual([]);
    expect(problems(rules.spotScheduling, spot({ provisioningModel: "SPOT" }))).toEqual([
      "a SPOT VM needs preemptible: true (the provider defaults it to false)",
      "a Spot or preemptible VM needs automaticRestart: false (the provider defaults it to true)",
    ]);
    expect(problems(rules.spotScheduling, spot({ instanceTerminationAction: "DELETE" }))).toEqual(["instanceTerminationAction needs provisioningModel SPOT"]);
  });

  it("gce-mig-update-policy", () => {
    const mig = (updatePolicy: Record<string, unknown>) => res("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "m", { baseInstanceName: "b", updatePolicy });
    expect(problems(rules.migUpdatePolicy, mig({ maxSurgeFixed: 3, maxUnavailableFixed: 0 }))).toEqual([]);
    expect(problems(rules.migUpdatePolicy, mig({ maxSurgeFixed: 2, maxUnavailableFixed: 0 }))).toEqual(["a regional group's maxSurgeFixed must be 0 or at least its 3 zones"]);
    expect(problems(rules.migUpdatePolicy, mig({ maxSurgeFixed: 0, maxUnavailableFixed: 0 }))).toEqual(["maxSurge or maxUnavailable must be greater than 0"]);
  });

  it("gce-autoscaler-policy: no per-group metric on a regional group", () => {
    const as = (type: string, policy: Record<string, unknown>) => res(type, "a", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 2, ...policy } });
    const perGroup = { metrics: [{ name: "custom.googleapis.com/x", singleInstanceAssignment: 2, filter: 'resource.type = "global"' }] };
    expect(problems(rules.autoscalerPolicy, as("gcp:compute/autoscaler:Autoscaler", perGroup))).toEqual([]);
    expect(problems(rules.autoscalerPolicy, as("gcp:compute/regionAutoscaler:RegionAutoscaler", perGroup))).toEqual(["a regional autoscaler cannot scale on a per-group metric; use a zonal group"]);
    expect(problems(rules.autoscalerPolicy, as("gcp:compute/regionAutoscaler:RegionAutoscaler", { maxReplicas: -1, cpuUtilization: { target: 60 } }))).toEqual([
      "maxReplicas -1 is below minReplicas 0",
      "the CPU target is a fraction in (0, 1]",
    ]);
  });

  it("gce-health-check-timeout", () => {
    expect(problems(rules.healthCheckTimeout, res("gcp:compute/healthCheck:HealthCheck", "h", { checkIntervalSec: 10, timeoutSec: 5 }))).toEqual([]);
    expect(problems(rules.healthCheckTimeout, res("gcp:compute/healthCheck:HealthCheck", "h", { checkIntervalSec: 5, timeoutSec: 10 }))).toEqual(["timeoutSec 10 is above checkIntervalSec 5"]);
  });

  it("gce-load-balancing-scheme-match", () => {
    const chain = (backendScheme?: string) => {
      const backend = res("gcp:compute/backendService:BackendService", "be", backendScheme ? { loadBalancingScheme: backendScheme } : {});
      const urlMap = res("gcp:compute/uRLMap:URLMap", "um", {}, { deps: { defaultService: [backend] } });
      const proxy = res("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "px", {}, { deps: { urlMap: [urlMap] } });
      return res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr", { loadBalancingScheme: "EXTERNAL_MANAGED" }, { deps: { target: [proxy] } });
    };
    expect(problems(rules.forwardingRuleScheme, chain("EXTERNAL_MANAGED"))).toEqual([]);
    expect(problems(rules.forwardingRuleScheme, chain())).toEqual(["forwarding rule scheme EXTERNAL_MANAGED differs from backend service be's EXTERNAL (default)"]);
  });

  it("gce-https-proxy-certificates and gce-ssl-policy-shape", () => {
    expect(problems(rules.httpsProxyCertificates, res("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "p", {}))).toEqual(["an HTTPS proxy needs sslCertificates or a certificateMap"]);
    expect(problems(rules.sslPolicyShape, res("gcp:compute/sSLPolicy:SSLPolicy", "s", { profile: "MODERN", minTlsVersion: "TLS_1_2" }))).toEqual([]);
    expect(problems(rules.sslPolicyShape, res("gcp:compute/sSLPolicy:SSLPolicy", "s", { profile: "MODERN", minTlsVersion: "TLS_1_3" }))).toEqual(["minTlsVersion TLS_1_3 needs profile RESTRICTED"]);
  });

  it("gcp-label-limits counts the provider's own label", () => {
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, "v"]));
    expect(problems(rules.gcpLabelLimits, res("gcp:storage/bucket:Bucket", "b", { labels: { a: "b" } }))).toEqual([]);
    expect(problems(rules.gcpLabelLimits, res("gcp:storage/bucket:Bucket", "b", { labels }))).toEqual(["64 labels plus goog-pulumi-provisioned exceed 64"]);
    expect(problems(rules.gcpLabelLimits, res("gcp:storage/bucket:Bucket", "b", { labels: { Team: "x" } }))).toEqual(["label key Team is not valid"]);
  });
});

describe("gcp-autoscaler-zero-omitted", () => {
  it("a 0 in the scale-in control never reaches the API; a value that does passes", () => {
    const autoscaler = (control: Record<string, unknown>) => res("gcp:compute/autoscaler:Autoscaler", "a", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 4, scaleInControl: control } });
    expect(problems(rules.autoscalerZeroOmitted, autoscaler({ timeWindowSec: 900, maxScaledInReplicas: { percent: 0 } }))).toEqual([
      "0 is never sent to the API (the provider omits empty values): the setting does not exist in the cloud",
    ]);
    expect(problems(rules.autoscalerZeroOmitted, autoscaler({ timeWindowSec: 900, maxScaledInReplicas: { fixed: 1 } }))).toEqual([]);
  });
});
