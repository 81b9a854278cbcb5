/**
 * Cross-field and cross-resource rules that the Google provider (terraform-provider-google-beta v7, bridged by
 * @pulumi/gcp 9) or the Google APIs enforce, for the GCP types the program creates. Each rule names its source.
 */
import { cidrRange } from "./cidr";
import { between, bytes, exactlyOne, get, isSet, list, num, oneOf, str } from "./read";
import type { Finding, ProviderRule, Props } from "./types";

const MM = "GoogleCloudPlatform/magic-modules mmv1/products";
const TFG = "hashicorp/terraform-provider-google";
const BUCKET = "gcp:storage/bucket:Bucket";
const FIREWALL = "gcp:compute/firewall:Firewall";
const TEMPLATES = ["gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate", "gcp:compute/instance:Instance"];

export const bucketRetentionVersioning: ProviderRule = {
  id: "gcs-retention-without-versioning",
  types: [BUCKET],
  description: "A Cloud Storage bucket cannot have both a retention policy and Object Versioning.",
  phase: "up",
  source: "cloud.google.com/storage/docs/bucket-lock: retention policies and Object Versioning are mutually exclusive (\"Object versioning cannot be enabled on a bucket with a retention policy\", SonarSource RSPEC-6412 restating it)",
  check: (r) =>
    get(r.inputs, "versioning.enabled") === true && isSet(r.inputs.retentionPolicy)
      ? [{ field: "retentionPolicy", message: "a bucket with versioning enabled cannot have a retention policy" }]
      : [],
};

const DAY = 24 * 3600;

export const bucketSoftDelete: ProviderRule = {
  id: "gcs-soft-delete-duration",
  types: [BUCKET],
  description: "A bucket's soft-delete retention is 0 (off) or between 7 and 90 days.",
  phase: "preview",
  source: `${TFG} website/docs/r/storage_bucket.html.markdown soft_delete_policy.retention_duration_seconds: "The value must be in between 604800(7 days) and 7776000(90 days). To disable the soft delete policy on a bucket, This field must be set to 0."`,
  check: (r) => {
    const v = num(get(r.inputs, "softDeletePolicy.retentionDurationSeconds"));
    if (v === undefined || v === 0 || (v >= 7 * DAY && v <= 90 * DAY)) return [];
    return [{ field: "softDeletePolicy.retentionDurationSeconds", message: "must be 0, or between 604800 (7 days) and 7776000 (90 days)" }];
  },
};

const LIFECYCLE_ACTIONS = ["Delete", "SetStorageClass", "AbortIncompleteMultipartUpload"];
const CONDITION_KEYS = ["age", "createdBefore", "customTimeBefore", "daysSinceCustomTime", "daysSinceNoncurrentTime", "matchesPrefixes", "matchesStorageClasses", "matchesSuffixes", "noncurrentTimeBefore", "numNewerVersions", "withState"];

export const bucketLifecycle: ProviderRule = {
  id: "gcs-lifecycle-rules",
  types: [BUCKET],
  description: "Each lifecycle rule has a known action type (SetStorageClass with a storage class), at least one condition, and withState LIVE, ARCHIVED or ANY; noncurrent conditions need versioning.",
  phase: "up",
  source: `${TFG} website/docs/r/storage_bucket.html.markdown lifecycle_rule: condition "requires at least one to be defined", storage_class "Required if action type is SetStorageClass", with_state "LIVE", "ARCHIVED", "ANY"; days_since_noncurrent_time "Relevant only for versioned objects"`,
  check: (r) => {
    const out: Finding[] = [];
    const versioned = get(r.inputs, "versioning.enabled") === true;
    list(r.inputs.lifecycleRules).forEach((rule, i) => {
      const type = str(get(rule, "action.type"));
      if (!type || !LIFECYCLE_ACTIONS.includes(type)) out.push({ field: `lifecycleRules.${i}.action.type`, message: `action type must be one of ${LIFECYCLE_ACTIONS.join(", ")}` });
      if (type === "SetStorageClass" && !isSet(get(rule, "action.storageClass"))) out.push({ field: `lifecycleRules.${i}.action.storageClass`, message: "SetStorageClass needs a storageClass" });
      const cond = (rule.condition ?? {}) as Props;
      if (!CONDITION_KEYS.some((k) => isSet(cond[k]))) out.push({ field: `lifecycleRules.${i}.condition`, message: "a lifecycle rule needs at least one condition" });
      out.push(...oneOf(cond, "withState", ["LIVE", "ARCHIVED", "ANY"]).map((f) => ({ ...f, field: `lifecycleRules.${i}.condition.withState` })));
      if (!versioned && (isSet(cond.daysSinceNoncurrentTime) || isSet(cond.numNewerVersions) || cond.withState === "ARCHIVED")) {
        out.push({ field: `lifecycleRules.${i}.condition`, message: "a noncurrent-version condition on a bucket without versioning never matches" });
      }
    });
    return out;
  },
};

export const firewallOneFamily: ProviderRule = {
  id: "gcp-firewall-one-address-family",
  types: [FIREWALL],
  description: "A VPC firewall rule holds IPv4 or IPv6 ranges, not both, in its sources and in its destinations.",
  phase: "up",
  source: "cloud.google.com/firewall/docs/using-firewalls: \"A firewall rule can contain either IPv4 or IPv6 ranges, but not both.\"",
  check: (r) =>
    (["sourceRanges", "destinationRanges"] as const).flatMap((field) => {
      const ranges = list<string>(r.inputs[field]);
      const families = new Set(ranges.map((c) => cidrRange(c.includes("/") ? c : `${c}/${c.includes(":") ? 128 : 32}`)?.family ?? (c.includes(":") ? 6 : 4)));
      return families.size > 1 ? [{ field, value: ranges, message: `${field} mixes IPv4 and IPv6; split the rule by address family` }] : [];
    }),
};

const FW_PROTOCOLS = ["tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all"];
const PORTED = ["tcp", "udp", "sctp", "6", "17", "132"];

export const firewallShape: ProviderRule = {
  id: "gcp-firewall-shape",
  types: [FIREWALL],
  description: "A firewall has exactly one of allows and denies; an ingress rule names a source (ranges, tags or service accounts); target service accounts exclude target and source tags; priority 0-65535; protocols are names or numbers 0-255, and only TCP, UDP and SCTP take ports.",
  phase: "preview",
  source: `${MM}/compute/Firewall.yaml: exactly_one_of allow/deny; "For INGRESS traffic, one of source_ranges, source_tags or source_service_accounts is required"; targetServiceAccounts "cannot be used at the same time as targetTags or sourceTags"; priority "between 0 and 65535"; API: protocol "Must be one of [ah, all, esp, icmp, ipip, sctp, tcp, udp] or an IP protocol number between 0 and 255"`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = exactlyOne(p, ["allows", "denies"]);
    const ingress = (str(p.direction) ?? "INGRESS") === "INGRESS";
    if (ingress && list(p.sourceRanges).length + list(p.sourceTags).length + list(p.sourceServiceAccounts).length === 0) out.push({ field: "sourceRanges", phase: "up", message: "an INGRESS rule needs sourceRanges, sourceTags or sourceServiceAccounts" });
    if (list(p.targetServiceAccounts).length > 0 && (list(p.targetTags).length > 0 || list(p.sourceTags).length > 0)) out.push({ field: "targetServiceAccounts", message: "targetServiceAccounts cannot be used with targetTags or sourceTags" });
    out.push(...between(p, "priority", 0, 65535));
    for (const key of ["allows", "denies"]) {
      list(p[key]).forEach((a, i) => {
        const proto = String(a.protocol ?? "").toLowerCase();
        const n = Number(proto);
        if (!FW_PROTOCOLS.includes(proto) && !(proto !== "" && Number.isInteger(n) && n >= 0 && n <= 255)) out.push({ field: `${key}.${i}.protocol`, phase: "up", message: `protocol must be one of ${FW_PROTOCOLS.join(", ")} or a number 0-255` });
        if (list(a.ports).length > 0 && !PORTED.includes(proto)) out.push({ field: `${key}.${i}.ports`, phase: "up", message: `ports apply only to tcp, udp and sctp (protocol ${proto})` });
      });
    }
    return out;
  },
};

/** Compute Engine metadata limits. */
export const METADATA_VALUE_MAX_BYTES = 256 * 1024;
export const METADATA_TOTAL_MAX_BYTES = 512 * 1024;

export const instanceMetadataSize: ProviderRule = {
  id: "gce-metadata-limits",
  types: TEMPLATES,
  description: "Instance metadata: keys [a-zA-Z0-9-_] under 128 bytes, each value at most 256 KiB, all keys and values under 512 KB; metadataStartupScript and metadata.startup-script are not both set.",
  phase: "up",
  source: "Compute Engine API Metadata: \"Keys must conform to the following regexp: [a-zA-Z0-9-_]+, and be less than 128 bytes\", values \"must be less than or equal to 262144 bytes (256 KiB)\", \"The total size of all keys and values must be less than 512 KB\"; terraform-provider-google compute_instance_template: metadata_startup_script \"replaces the startup-script metadata key ... the two mechanisms are not allowed to be used simultaneously\"",
  check: (r) => {
    const md = { ...((r.inputs.metadata ?? {}) as Record<string, unknown>) };
    const out: Finding[] = [];
    if (isSet(r.inputs.metadataStartupScript)) {
      if (isSet(md["startup-script"])) out.push({ field: "metadataStartupScript", phase: "preview", message: "metadataStartupScript and metadata.startup-script cannot both be set" });
      md["startup-script"] = r.inputs.metadataStartupScript;
    }
    let total = 0;
    for (const [k, v] of Object.entries(md)) {
      const value = typeof v === "string" ? v : JSON.stringify(v);
      total += bytes(k) + bytes(value);
      if (!/^[a-zA-Z0-9_-]+$/.test(k) || bytes(k) >= 128) out.push({ field: `metadata.${k}`, message: `metadata key ${k} must match [a-zA-Z0-9-_]+ and be under 128 bytes` });
      if (bytes(value) > METADATA_VALUE_MAX_BYTES) out.push({ field: `metadata.${k}`, value: `${bytes(value)} bytes`, message: `metadata value ${k} is ${bytes(value)} bytes, above 262144` });
    }
    if (total >= METADATA_TOTAL_MAX_BYTES) out.push({ field: "metadata", value: `${total} bytes`, message: `metadata totals ${total} bytes, not under 524288` });
    return out;
  },
};

export const spotScheduling: ProviderRule = {
  id: "gce-spot-scheduling",
  types: TEMPLATES,
  description: "Spot and preemptible VMs: provisioningModel SPOT needs preemptible true and automaticRestart false; preemptible needs onHostMaintenance TERMINATE; instanceTerminationAction only with SPOT.",
  phase: "up",
  source: `${TFG} compute_instance_template docs: "If this is set to SPOT, preemptible should be true and automatic_restart should be false"; Compute API errors "Scheduling must have preemptible be false when AutomaticRestart is true", "You cannot specify a termination action for a VM instance that has the standard provisioning model"`,
  check: (r) => {
    const s = (r.inputs.scheduling ?? {}) as Props;
    const out: Finding[] = [];
    const spot = s.provisioningModel === "SPOT";
    if (spot && s.preemptible !== true) out.push({ field: "scheduling.preemptible", message: "a SPOT VM needs preemptible: true (the provider defaults it to false)" });
    if ((spot || s.preemptible === true) && s.automaticRestart !== false) out.push({ field: "scheduling.automaticRestart", message: "a Spot or preemptible VM needs automaticRestart: false (the provider defaults it to true)" });
    if ((spot || s.preemptible === true) && isSet(s.onHostMaintenance) && s.onHostMaintenance !== "TERMINATE") out.push({ field: "scheduling.onHostMaintenance", message: "a Spot or preemptible VM needs onHostMaintenance TERMINATE" });
    if (!spot && isSet(s.instanceTerminationAction)) out.push({ field: "scheduling.instanceTerminationAction", message: "instanceTerminationAction needs provisioningModel SPOT" });
    out.push(...oneOf(s, "instanceTerminationAction", ["STOP", "DELETE"]).map((f) => ({ ...f, field: "scheduling.instanceTerminationAction" })));
    return out;
  },
};

const MIGS = ["gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "gcp:compute/instanceGroupManager:InstanceGroupManager"];

export const migUpdatePolicy: ProviderRule = {
  id: "gce-mig-update-policy",
  types: MIGS,
  description: "Managed instance groups: autohealing initial delay 0-3600 s; an update policy surges or takes down at least one instance; a regional group's fixed surge and unavailable counts are 0 or at least its number of zones; percentages only for groups of 10 or more.",
  phase: "up",
  source: `${TFG} resource_compute_region_instance_group_manager.go initial_delay_sec IntBetween(0, 3600); Compute API InstanceGroupManagerUpdatePolicy: "At least one of either maxSurge or maxUnavailable must be greater than 0"; terraform-provider-google docs before commit f675b32e: fixed values "has to be either 0 or at least equal to the number of zones"; gcloud rolling-action: max surge "defaults to ... the number of zones in which it operates"`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = list(p.autoHealingPolicies).flatMap((h, i) => between(h, "initialDelaySec", 0, 3600).map((f) => ({ ...f, field: `autoHealingPolicies.${i}.initialDelaySec`, phase: "preview" as const })));
    const u = (p.updatePolicy ?? undefined) as Props | undefined;
    if (!u) return out;
    const surge = num(u.maxSurgeFixed) ?? 0;
    const unavailable = num(u.maxUnavailableFixed) ?? 0;
    if (!isSet(u.maxSurgePercent) && !isSet(u.maxUnavailablePercent) && surge === 0 && unavailable === 0) out.push({ field: "updatePolicy", message: "maxSurge or maxUnavailable must be greater than 0" });
    if (r.type === MIGS[0]) {
      const zones = list(p.distributionPolicyZones).length || 3;
      for (const [field, v] of [["maxSurgeFixed", surge], ["maxUnavailableFixed", unavailable]] as const) {
        if (isSet(u[field]) && v !== 0 && v < zones) out.push({ field: `updatePolicy.${field}`, message: `a regional group's ${field} must be 0 or at least its ${zones} zones` });
      }
    }
    return out;
  },
};

const AUTOSCALERS = ["gcp:compute/regionAutoscaler:RegionAutoscaler", "gcp:compute/autoscaler:Autoscaler"];

export const autoscalerPolicy: ProviderRule = {
  id: "gce-autoscaler-policy",
  types: AUTOSCALERS,
  description: "Autoscalers: 0 <= minReplicas <= maxReplicas; a CPU target in (0, 1]; at most 5 Cloud Monitoring metrics; regional groups do not take per-group metrics (singleInstanceAssignment, or a filter on a resource other than gce_instance).",
  phase: "up",
  source: `${MM}/compute/RegionAutoscaler.yaml minReplicas "cannot be less than 0", maxReplicas "should not be lower than minimal number of replicas"; cloud.google.com/compute/docs/autoscaler/scaling-cloud-monitoring-metrics: "up to 5 Monitoring metrics per MIG"; cloud.google.com/compute/docs/instance-groups/distributing-instances-with-regional-instance-groups, Limitations: "regional MIGs don't support autoscaling using per-group metrics"`,
  check: (r) => {
    const policy = (r.inputs.autoscalingPolicy ?? {}) as Props;
    const out: Finding[] = [];
    const min = num(policy.minReplicas);
    const max = num(policy.maxReplicas);
    if (min !== undefined && min < 0) out.push({ field: "autoscalingPolicy.minReplicas", message: "minReplicas cannot be negative" });
    if (min !== undefined && max !== undefined && max < min) out.push({ field: "autoscalingPolicy.maxReplicas", message: `maxReplicas ${max} is below minReplicas ${min}` });
    const cpu = num(get(policy, "cpuUtilization.target"));
    if (cpu !== undefined && (cpu <= 0 || cpu > 1)) out.push({ field: "autoscalingPolicy.cpuUtilization.target", message: "the CPU target is a fraction in (0, 1]" });
    const metrics = list(policy.metrics);
    if (metrics.length > 5) out.push({ field: "autoscalingPolicy.metrics", message: `${metrics.length} metrics; at most 5` });
    if (r.type === AUTOSCALERS[0]) {
      metrics.forEach((m, i) => {
        const filter = str(m.filter) ?? "";
        const perGroup = isSet(m.singleInstanceAssignment) || (/resource\.type\s*=/.test(filter) && !/resource\.type\s*=\s*"?gce_instance"?/.test(filter));
        if (perGroup) out.push({ field: `autoscalingPolicy.metrics.${i}`, message: "a regional autoscaler cannot scale on a per-group metric; use a zonal group" });
      });
    }
    return out;
  },
};

export const healthCheckTimeout: ProviderRule = {
  id: "gce-health-check-timeout",
  types: ["gcp:compute/healthCheck:HealthCheck", "gcp:compute/regionHealthCheck:RegionHealthCheck"],
  description: "A health check's timeout is not longer than its interval.",
  phase: "up",
  source: `${MM}/compute/HealthCheck.yaml timeoutSec: "It is invalid for timeoutSec to have greater value than checkIntervalSec."`,
  check: (r) => {
    const interval = num(r.inputs.checkIntervalSec) ?? 5;
    const timeout = num(r.inputs.timeoutSec) ?? 5;
    return timeout > interval ? [{ field: "timeoutSec", message: `timeoutSec ${timeout} is above checkIntervalSec ${interval}` }] : [];
  },
};

export const backendServiceShape: ProviderRule = {
  id: "gce-backend-service-shape",
  types: ["gcp:compute/backendService:BackendService"],
  description: "A backend service has at most one health check; capacityScaler and maxUtilization lie in [0, 1]; EXTERNAL schemes need a portName; instance-group backends of an HTTP(S) service balance by UTILIZATION or RATE.",
  phase: "up",
  source: `${MM}/compute/BackendService.yaml: healthChecks "Currently at most one health check can be specified", capacityScaler "[0.0,1.0]", maxUtilization "[0.0, 1.0]", portName "Required when the load balancing scheme is EXTERNAL", balancingMode "UTILIZATION, RATE (for HTTP(S)) ... CONNECTION (for TCP/SSL)"`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = [];
    if (list(p.healthChecks).length > 1) out.push({ field: "healthChecks", message: "at most one health check" });
    const scheme = str(p.loadBalancingScheme) ?? "EXTERNAL";
    if (scheme === "EXTERNAL" && !isSet(p.portName)) out.push({ field: "portName", message: "an EXTERNAL backend service needs a portName" });
    const http = ["HTTP", "HTTPS", "HTTP2"].includes(str(p.protocol) ?? "HTTP");
    list(p.backends).forEach((b, i) => {
      out.push(...between(b, "capacityScaler", 0, 1, `backends[${i}].capacityScaler`), ...between(b, "maxUtilization", 0, 1, `backends[${i}].maxUtilization`));
      if (http && isSet(b.balancingMode) && !["UTILIZATION", "RATE", "CUSTOM_METRICS"].includes(String(b.balancingMode))) out.push({ field: `backends.${i}.balancingMode`, message: `an HTTP(S) backend balances by UTILIZATION, RATE or CUSTOM_METRICS, not ${String(b.balancingMode)}` });
    });
    return out;
  },
};

export const forwardingRuleScheme: ProviderRule = {
  id: "gce-load-balancing-scheme-match",
  types: ["gcp:compute/globalForwardingRule:GlobalForwardingRule"],
  description: "A global forwarding rule, its target proxy's URL map and the backend service use the same load-balancing scheme (the provider defaults both to EXTERNAL, so EXTERNAL_MANAGED must be set on each).",
  phase: "up",
  source: `${MM}/compute/BackendService.yaml loadBalancingScheme: "A backend service created for one type of load balancing cannot be used with the other." (default EXTERNAL in provider v7); GlobalForwardingRule.yaml default_value EXTERNAL`,
  check: (r, ctx) => {
    const scheme = str(r.inputs.loadBalancingScheme) ?? "EXTERNAL";
    const proxies = r.deps.target ?? [];
    const urlMaps = proxies.flatMap((px) => px.deps.urlMap ?? []);
    const services = urlMaps.flatMap((u) => u.deps.defaultService ?? []).filter((s) => s.type === "gcp:compute/backendService:BackendService");
    void ctx;
    return services
      .filter((s) => (str(s.inputs.loadBalancingScheme) ?? "EXTERNAL") !== scheme)
      .map((s) => ({ field: "loadBalancingScheme", message: `forwarding rule scheme ${scheme} differs from backend service ${s.name}'s ${str(s.inputs.loadBalancingScheme) ?? "EXTERNAL (default)"}` }));
  },
};

export const httpsProxyCertificates: ProviderRule = {
  id: "gce-https-proxy-certificates",
  types: ["gcp:compute/targetHttpsProxy:TargetHttpsProxy"],
  description: "A target HTTPS proxy has certificates (sslCertificates, up to 15, or a certificateMap).",
  phase: "up",
  source: `${MM}/compute/TargetHttpsProxy.yaml sslCertificates: "Currently, you may specify up to 15 SSL certificates"; Compute API error: "At least 1 SSL certificate must be specified for setting SSL certificates in TargetHttpsProxy."`,
  check: (r) => {
    const certs = list(r.inputs.sslCertificates).length;
    if (certs === 0 && !isSet(r.inputs.certificateMap) && list(r.inputs.certificateManagerCertificates).length === 0) return [{ field: "sslCertificates", message: "an HTTPS proxy needs sslCertificates or a certificateMap" }];
    return certs > 15 ? [{ field: "sslCertificates", message: `${certs} certificates; at most 15` }] : [];
  },
};

export const sslPolicyShape: ProviderRule = {
  id: "gce-ssl-policy-shape",
  types: ["gcp:compute/sSLPolicy:SSLPolicy"],
  description: "SSL policies: TLS_1_3 needs the RESTRICTED profile; CUSTOM needs customFeatures and other profiles take none; FIPS_202205 needs TLS_1_2.",
  phase: "up",
  source: `${MM}/compute/SslPolicy.yaml: "When set to TLS_1_3, the profile field must be set to RESTRICTED"; "If CUSTOM is used, the custom_features attribute must be set"; customFeatures "must not be present when using any other profile"; "If set to FIPS_202205, minTlsVersion must also be set to TLS_1_2"`,
  check: (r) => {
    const p = r.inputs;
    const profile = str(p.profile) ?? "COMPATIBLE";
    const tls = str(p.minTlsVersion) ?? "TLS_1_0";
    const out: Finding[] = [...oneOf(p, "profile", ["COMPATIBLE", "MODERN", "RESTRICTED", "CUSTOM", "FIPS_202205"]), ...oneOf(p, "minTlsVersion", ["TLS_1_0", "TLS_1_1", "TLS_1_2", "TLS_1_3"])];
    if (tls === "TLS_1_3" && profile !== "RESTRICTED") out.push({ field: "profile", message: "minTlsVersion TLS_1_3 needs profile RESTRICTED" });
    if (profile === "CUSTOM" && list(p.customFeatures).length === 0) out.push({ field: "customFeatures", message: "profile CUSTOM needs customFeatures" });
    if (profile !== "CUSTOM" && list(p.customFeatures).length > 0) out.push({ field: "customFeatures", message: `customFeatures is only for profile CUSTOM (profile ${profile})` });
    if (profile === "FIPS_202205" && tls !== "TLS_1_2") out.push({ field: "minTlsVersion", message: "profile FIPS_202205 needs minTlsVersion TLS_1_2" });
    return out;
  },
};

export const managedCertificateDomains: ProviderRule = {
  id: "gce-managed-certificate-domains",
  types: ["gcp:compute/managedSslCertificate:ManagedSslCertificate"],
  description: "A Google-managed certificate lists 1 to 100 domains.",
  phase: "preview",
  source: `${MM}/compute/ManagedSslCertificate.yaml managed.domains: required, "up to 100 domains", max_size 100`,
  check: (r) => {
    const n = list(get(r.inputs, "managed.domains")).length;
    return n < 1 || n > 100 ? [{ field: "managed.domains", message: `${n} domains; 1 to 100` }] : [];
  },
};

/** pulumi-gcp adds goog-pulumi-provisioned to every labelled resource, so one label of the 64 is taken. */
export const gcpLabelLimits: ProviderRule = {
  id: "gcp-label-limits",
  types: ["*"],
  description: "GCP labels: at most 64 per resource including the provider's goog-pulumi-provisioned; keys 1-63 characters starting with a lowercase letter; keys and values lowercase letters, digits, _ and -, values up to 63.",
  phase: "up",
  source: "cloud.google.com resource labels requirements: \"Each resource can have multiple labels, up to a maximum of 64\", \"Keys have a minimum length of 1 character and a maximum length of 63 characters\", \"Values can be empty, and have a maximum length of 63 characters\", \"Keys must start with a lowercase letter\"; pulumi/pulumi-gcp patches: AttributionKey = \"goog-pulumi-provisioned\"",
  check: (r) => {
    if (!r.type.startsWith("gcp:") || !r.inputs.labels || typeof r.inputs.labels !== "object") return [];
    const labels = Object.entries(r.inputs.labels as Record<string, unknown>);
    const out: Finding[] = [];
    if (labels.length + 1 > 64) out.push({ field: "labels", value: labels.length, message: `${labels.length} labels plus goog-pulumi-provisioned exceed 64` });
    for (const [k, v] of labels) {
      if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u.test(k)) out.push({ field: `labels.${k}`, message: `label key ${k} is not valid` });
      if (!/^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u.test(String(v))) out.push({ field: `labels.${k}`, message: `label ${k}'s value is not valid` });
    }
    return out;
  },
};

export const subnetworkShape: ProviderRule = {
  id: "gce-subnetwork-shape",
  types: ["gcp:compute/subnetwork:Subnetwork"],
  description: "A subnetwork's primary range is an IPv4 network address of /8 to /29; flow-log sampling lies in [0, 1].",
  phase: "up",
  source: "cloud.google.com/vpc/docs/subnets, IPv4 subnet ranges: primary range sizes from /8 to /29 (\"The smallest IPv4 subnet range is /29\"), network address required; MM Subnetwork.yaml logConfig.flowSampling \"between 0.0 and 1.0\"",
  check: (r) => {
    const out: Finding[] = [...between(r.inputs, "logConfig.flowSampling", 0, 1)];
    const range = cidrRange(str(r.inputs.ipCidrRange) ?? "");
    if (!range || range.family !== 4 || range.prefix < 8 || range.prefix > 29) out.push({ field: "ipCidrRange", message: "ipCidrRange must be an IPv4 range from /8 to /29" });
    else if (range.value !== range.start) out.push({ field: "ipCidrRange", message: "ipCidrRange has host bits set" });
    return out;
  },
};

/** Zero values the program sets in the autoscaler's nested blocks that the provider never sends. */
function zerosIn(v: unknown, path: string): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => zerosIn(x, `${path}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => zerosIn(x, path ? `${path}.${k}` : k));
  return v === 0 || v === false ? [path] : [];
}

export const autoscalerZeroOmitted: ProviderRule = {
  id: "gcp-autoscaler-zero-omitted",
  types: ["gcp:compute/autoscaler:Autoscaler", "gcp:compute/regionAutoscaler:RegionAutoscaler"],
  description: "A zero (or false) in the autoscaling policy's nested blocks is never sent: the provider's expanders skip empty values, so a control set to 0 (scaleInControl.maxScaledInReplicas.percent: 0) does not exist in the cloud. Say it with a value that reaches the API.",
  phase: "preview",
  source: `${TFG} google/services/compute/resource_compute_autoscaler.go expandComputeAutoscalerAutoscalingPolicy* (each field is set only when !tpgresource.IsEmptyValue)`,
  check: (r) => {
    const policy = get(r.inputs, "autoscalingPolicy");
    const zeros = zerosIn(get(policy, "scaleInControl"), "autoscalingPolicy.scaleInControl").concat(zerosIn(get(policy, "metrics"), "autoscalingPolicy.metrics"));
    return zeros.map((field) => ({ field, message: "0 is never sent to the API (the provider omits empty values): the setting does not exist in the cloud" }));
  },
};

export const gcpRules: ProviderRule[] = [
  autoscalerZeroOmitted,
  bucketRetentionVersioning,
  bucketSoftDelete,
  bucketLifecycle,
  firewallOneFamily,
  firewallShape,
  instanceMetadataSize,
  spotScheduling,
  migUpdatePolicy,
  autoscalerPolicy,
  healthCheckTimeout,
  backendServiceShape,
  forwardingRuleScheme,
  httpsProxyCertificates,
  sslPolicyShape,
  managedCertificateDomains,
  gcpLabelLimits,
  subnetworkShape,
];
