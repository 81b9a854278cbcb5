/**
 * Cross-field and cross-resource rules that the AWS provider (hashicorp/terraform-provider-aws v6, bridged by
 * @pulumi/aws 7) or the AWS APIs enforce, for the AWS types the program creates. Each rule names its source.
 */
import { cidrRange, contains, hasHostBits, overlaps } from "./cidr";
import { between, exactlyOne, get, isSet, list, num, oneOf, setOf, str } from "./read";
import type { Finding, ProviderRule, Props, RuleResource } from "./types";

const TF = "hashicorp/terraform-provider-aws";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const ASG = "aws:autoscaling/group:Group";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

const lbKind = (lb: RuleResource | undefined): "network" | "application" | "gateway" | undefined =>
  lb ? ((str(lb.inputs.loadBalancerType) ?? "application") as "network" | "application" | "gateway") : undefined;

export const lbSubnetsOnePerZone: ProviderRule = {
  id: "aws-lb-subnets-one-per-zone",
  types: [LB],
  description: "A load balancer takes at most one subnet per Availability Zone; an application load balancer needs subnets in at least two zones.",
  phase: "up",
  source: "Elastic Load Balancing API CreateLoadBalancer: \"You can specify only one subnet per Availability Zone.\" \"[Application Load Balancers] You must specify subnets from at least two Availability Zones.\"",
  check: (r) => {
    const subnets = r.deps.subnets ?? [];
    const zones = subnets.map((s) => str(s.inputs.availabilityZone)).filter((z): z is string => !!z);
    const out: Finding[] = [];
    const dup = zones.filter((z, i) => zones.indexOf(z) !== i);
    if (dup.length > 0) out.push({ field: "subnets", value: zones, message: `subnets share Availability Zone ${[...new Set(dup)].join(", ")}` });
    if (lbKind(r) === "application" && new Set(zones).size < 2 && subnets.length > 0) out.push({ field: "subnets", value: zones, message: "an application load balancer needs subnets in at least two Availability Zones" });
    return out;
  },
};

const NLB_PROTOCOLS = ["TCP", "TLS", "UDP", "TCP_UDP"];
const ALB_PROTOCOLS = ["HTTP", "HTTPS"];
const SECURE = ["TLS", "HTTPS"];

export const listenerProtocolAndCertificate: ProviderRule = {
  id: "aws-listener-protocol-certificate",
  types: [LISTENER],
  description: "A listener's protocol suits its load balancer (network: TCP, TLS, UDP, TCP_UDP; application: HTTP, HTTPS); TLS and HTTPS listeners carry exactly one certificate; certificates and SSL policies go only on TLS/HTTPS listeners, ALPN only on TLS.",
  phase: "up",
  source: "Elastic Load Balancing API CreateListener: \"For Network Load Balancers, the supported protocols are TCP, TLS, UDP, and TCP_UDP\"; \"Certificates — [HTTPS and TLS listeners] ... You must provide exactly one certificate\"; \"AlpnPolicy — [TLS listeners]\"",
  check: (r) => {
    const out: Finding[] = [];
    const kind = lbKind((r.deps.loadBalancerArn ?? [])[0]);
    const protocol = str(r.inputs.protocol)?.toUpperCase() ?? (kind === "application" ? "HTTP" : undefined);
    const allowed = kind === "network" ? NLB_PROTOCOLS : kind === "application" ? ALB_PROTOCOLS : undefined;
    if (allowed && (protocol === undefined || !allowed.includes(protocol))) out.push({ field: "protocol", message: `a ${kind} load balancer's listener protocol must be one of ${allowed.join(", ")}` });
    const secure = protocol !== undefined && SECURE.includes(protocol);
    if (secure && !isSet(r.inputs.certificateArn)) out.push({ field: "certificateArn", message: `a ${protocol} listener needs a certificate (certificateArn)` });
    if (!secure && isSet(r.inputs.certificateArn)) out.push({ field: "certificateArn", message: `certificateArn is only for TLS and HTTPS listeners (protocol ${protocol ?? "unset"})` });
    if (!secure && isSet(r.inputs.sslPolicy)) out.push({ field: "sslPolicy", message: `sslPolicy is only for TLS and HTTPS listeners (protocol ${protocol ?? "unset"})` });
    if (protocol !== "TLS" && isSet(r.inputs.alpnPolicy)) out.push({ field: "alpnPolicy", message: "alpnPolicy is only for TLS listeners" });
    out.push(...between(r.inputs, "port", 1, 65535));
    return out;
  },
};

export const listenerTargetGroupProtocol: ProviderRule = {
  id: "aws-listener-target-group-protocol",
  types: [LISTENER],
  description: "A listener forwards to target groups whose protocol matches the load balancer type.",
  phase: "up",
  source: "Elastic Load Balancing API CreateListener: \"The protocol of the target group must be HTTP or HTTPS for an Application Load Balancer. The protocol of the target group must be TCP, TLS, UDP, or TCP_UDP for a Network Load Balancer.\"",
  check: (r) => {
    const kind = lbKind((r.deps.loadBalancerArn ?? [])[0]);
    const allowed = kind === "network" ? NLB_PROTOCOLS : kind === "application" ? ALB_PROTOCOLS : undefined;
    if (!allowed) return [];
    return (r.deps.defaultActions ?? [])
      .filter((d) => d.type === TG)
      .filter((tg) => !allowed.includes((str(tg.inputs.protocol) ?? "").toUpperCase()))
      .map((tg) => ({ field: "defaultActions", value: tg.inputs.protocol, message: `target group ${tg.name} uses protocol ${String(tg.inputs.protocol)}; a ${kind} load balancer needs ${allowed.join(", ")}` }));
  },
};

export const targetGroupHealthCheck: ProviderRule = {
  id: "aws-target-group-health-check",
  types: [TG],
  description: "Target group health checks: a TCP check has no matcher or path; HTTP/HTTPS groups cannot use a TCP check; interval 5-300 s, timeout 2-120 s, thresholds 2-10, deregistration delay 0-3600 s; network load balancer matchers lie in 200-599.",
  phase: "preview",
  source: `${TF} internal/service/elbv2/target_group.go: health_check interval IntBetween(5, 300), timeout IntBetween(2, 120), thresholds IntBetween(2, 10), deregistration_delay IntBetween(0, 3600), TCP health check conflicts with matcher/path; ELB API Matcher: "For Network Load Balancers, you can specify values between 200 and 599"`,
  check: (r) => {
    const p = r.inputs;
    const hc = (p.healthCheck ?? {}) as Props;
    const tgProtocol = (str(p.protocol) ?? "").toUpperCase();
    const hcProtocol = (str(hc.protocol) ?? "HTTP").toUpperCase();
    const out: Finding[] = [
      ...between(p, "healthCheck.interval", 5, 300),
      ...between(p, "healthCheck.timeout", 2, 120),
      ...between(p, "healthCheck.healthyThreshold", 2, 10),
      ...between(p, "healthCheck.unhealthyThreshold", 2, 10),
      ...between(p, "deregistrationDelay", 0, 3600),
      ...between(p, "port", 1, 65535),
    ];
    if (hcProtocol === "TCP" && (isSet(hc.matcher) || isSet(hc.path))) out.push({ field: "healthCheck.matcher", message: "a TCP health check takes no matcher or path" });
    if ((tgProtocol === "HTTP" || tgProtocol === "HTTPS") && hcProtocol === "TCP") out.push({ field: "healthCheck.protocol", message: `a ${tgProtocol} target group cannot use a TCP health check` });
    if (isSet(hc.path) && !String(hc.path).startsWith("/")) out.push({ field: "healthCheck.path", message: "the health check path must start with /" });
    if (NLB_PROTOCOLS.includes(tgProtocol) && isSet(hc.matcher)) {
      for (const part of String(hc.matcher).split(/[,-]/)) {
        const code = Number(part);
        if (!(code >= 200 && code <= 599)) out.push({ field: "healthCheck.matcher", message: `matcher code ${part} is outside 200-599 (network load balancer target groups)` });
      }
    }
    return out;
  },
};

export const asgShape: ProviderRule = {
  id: "aws-asg-shape",
  types: [ASG],
  description: "An Auto Scaling group has exactly one of launchConfiguration, launchTemplate or mixedInstancesPolicy; min <= desired <= max; at most 40 instance types; lifecycle hook heartbeats 30-7200 s; on-demand percentage 0-100.",
  phase: "up",
  source: `${TF} internal/service/autoscaling/group.go: ExactlyOneOf(launch_configuration, launch_template, mixed_instances_policy), heartbeat_timeout IntBetween(30, 7200); AWS Auto Scaling CreateAutoScalingGroup: desired "must be greater than or equal to the minimum size of the group and less than or equal to the maximum size"; LaunchTemplateOverrides: "The maximum number of instance types that can be associated with an Auto Scaling group is 40"`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = exactlyOne(p, ["launchConfiguration", "launchTemplate", "mixedInstancesPolicy"]).map((f) => ({ ...f, phase: "preview" as const }));
    const min = num(p.minSize);
    const max = num(p.maxSize);
    const desired = num(p.desiredCapacity);
    if (min !== undefined && max !== undefined && min > max) out.push({ field: "minSize", message: `minSize ${min} is above maxSize ${max}` });
    if (desired !== undefined && ((min !== undefined && desired < min) || (max !== undefined && desired > max))) out.push({ field: "desiredCapacity", message: `desiredCapacity ${desired} is outside [${min ?? "?"}, ${max ?? "?"}]` });
    const overrides = list(get(p, "mixedInstancesPolicy.launchTemplate.overrides"));
    if (overrides.length > 40) out.push({ field: "mixedInstancesPolicy.launchTemplate.overrides", value: overrides.length, message: `${overrides.length} instance types; at most 40` });
    out.push(...between(p, "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity", 0, 100).map((f) => ({ ...f, phase: "preview" as const })));
    list(p.initialLifecycleHooks).forEach((h, i) => out.push(...between(h, "heartbeatTimeout", 30, 7200, `initialLifecycleHooks[${i}].heartbeatTimeout`).map((f) => ({ ...f, field: `initialLifecycleHooks.${i}.heartbeatTimeout`, phase: "preview" as const }))));
    return out;
  },
};

export const asgNoSpotTemplateInMixedPolicy: ProviderRule = {
  id: "aws-asg-mixed-policy-template",
  types: [ASG],
  description: "A mixed-instances policy cannot use a launch template that requests spot capacity (instanceMarketOptions).",
  phase: "up",
  source: "AWS Auto Scaling API error: \"Incompatible launch template: You cannot use a launch template that is set to request Spot Instances (InstanceMarketOptions) when you configure an Auto Scaling group with a mixed instances policy.\"",
  check: (r) => {
    if (!r.inputs.mixedInstancesPolicy) return [];
    return (r.deps.mixedInstancesPolicy ?? [])
      .filter((d) => d.type === LT && isSet(d.inputs.instanceMarketOptions))
      .map((lt) => ({ field: "mixedInstancesPolicy.launchTemplate", value: lt.name, message: `launch template ${lt.name} sets instanceMarketOptions` }));
  },
};

const POLICY_FIELDS: Record<string, { needs: string[]; only: string[] }> = {
  SimpleScaling: { needs: ["scalingAdjustment", "adjustmentType"], only: ["scalingAdjustment", "cooldown"] },
  StepScaling: { needs: ["stepAdjustments", "adjustmentType"], only: ["stepAdjustments", "metricAggregationType", "estimatedInstanceWarmup"] },
  TargetTrackingScaling: { needs: ["targetTrackingConfiguration"], only: ["targetTrackingConfiguration", "estimatedInstanceWarmup"] },
  PredictiveScaling: { needs: ["predictiveScalingConfiguration"], only: ["predictiveScalingConfiguration"] },
};

export const scalingPolicyShape: ProviderRule = {
  id: "aws-scaling-policy-shape",
  types: ["aws:autoscaling/policy:Policy"],
  description: "A scaling policy carries the fields of its type and no other: StepScaling needs stepAdjustments and adjustmentType, SimpleScaling scalingAdjustment and adjustmentType, TargetTrackingScaling a targetTrackingConfiguration. At most 20 steps; intervals do not overlap or leave a gap; at most one is open below and one above, and bounds on either side of the threshold need the open step on that side.",
  phase: "up",
  source: `${TF} internal/service/autoscaling/policy.go: "step_adjustment is required for policy type StepScaling", "... is only supported for policy type ..."; AWS PutScalingPolicy: AdjustmentType "Required if the policy type is StepScaling or SimpleScaling"; AWS Auto Scaling API StepAdjustment: "The ranges of your step adjustments can't overlap or have a gap", "Only one step adjustment can have a null lower bound", "If one step adjustment has a positive upper bound, then there must be a step adjustment with a null upper bound"; EC2 Auto Scaling quotas: "Step adjustments per scaling policy: 20"`,
  check: (r) => {
    const p = r.inputs;
    const type = str(p.policyType) ?? "SimpleScaling";
    const spec = POLICY_FIELDS[type];
    if (!spec) return [{ field: "policyType", phase: "preview", message: `policyType must be one of ${Object.keys(POLICY_FIELDS).join(", ")}` }];
    const out: Finding[] = [];
    for (const f of spec.needs) if (setOf(p, [f]).length === 0) out.push({ field: f, message: `${f} is required for policy type ${type}` });
    const typed = new Set(Object.values(POLICY_FIELDS).flatMap((s) => s.only));
    for (const f of typed) if (!spec.only.includes(f) && setOf(p, [f]).length > 0) out.push({ field: f, message: `${f} is not supported for policy type ${type}` });
    if (type === "StepScaling") {
      out.push(...oneOf(p, "adjustmentType", ["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"]));
      const steps = list(p.stepAdjustments).map((s) => ({ lo: num(s.metricIntervalLowerBound), hi: num(s.metricIntervalUpperBound) }));
      const sorted = [...steps].sort((a, b) => (a.lo ?? -Infinity) - (b.lo ?? -Infinity));
      sorted.forEach((s, i) => {
        const next = sorted[i + 1];
        if (next && s.hi !== next.lo) out.push({ field: "stepAdjustments", value: steps, message: `step intervals must meet without gap or overlap (one ends at ${s.hi ?? "+inf"}, the next starts at ${next.lo ?? "-inf"})` });
        if (s.lo !== undefined && s.hi !== undefined && s.lo >= s.hi) out.push({ field: "stepAdjustments", value: steps, message: `step [${s.lo}, ${s.hi}) is empty` });
      });
      // AWS StepAdjustment: one null lower bound at most, one null upper bound at most; a negative lower bound needs
      // a step with a null lower bound, a positive upper bound a step with a null upper bound.
      const nullLo = steps.filter((s) => s.lo === undefined).length;
      const nullHi = steps.filter((s) => s.hi === undefined).length;
      if (nullLo > 1) out.push({ field: "stepAdjustments", value: steps, message: "only one step may have no lower bound" });
      if (nullHi > 1) out.push({ field: "stepAdjustments", value: steps, message: "only one step may have no upper bound" });
      if (steps.some((s) => s.hi !== undefined && s.hi > 0) && nullHi === 0) out.push({ field: "stepAdjustments", value: steps, message: "a step with a positive upper bound needs a step with no upper bound" });
      if (steps.some((s) => s.lo !== undefined && s.lo < 0) && nullLo === 0) out.push({ field: "stepAdjustments", value: steps, message: "a step with a negative lower bound needs a step with no lower bound" });
      if (steps.length > 20) out.push({ field: "stepAdjustments", value: steps.length, message: `a step scaling policy takes at most 20 step adjustments (got ${steps.length}); use wider steps` });
    }
    return out;
  },
};

export const metricAlarmShape: ProviderRule = {
  id: "aws-metric-alarm-shape",
  types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
  description: "A metric alarm: period 10, 20, 30 or a multiple of 60; evaluationPeriods and datapointsToAlarm >= 1 with datapoints <= periods; a comparison operator; exactly one of statistic and extendedStatistic, or metric queries (each an expression or a metric, exactly one returning data, none beside the single-metric fields); treatMissingData one of breaching, notBreaching, ignore, missing; at most 5 actions per state.",
  phase: "preview",
  source: `${TF} internal/service/cloudwatch/metric_alarm.go: period Any(IntInSlice{10,20,30}, IntDivisibleBy(60)); evaluation_periods IntAtLeast(1); "One of statistic or extended_statistic must be set"; treat_missing_data StringInSlice(breaching, ignore, missing, notBreaching); alarm_actions MaxItems 5; metric_query: "No metric_query may have both expression and a metric specified", ConflictsWith metric_name/namespace/period/statistic/dimensions; CloudWatch PutMetricAlarm: exactly one query ReturnData true`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = [];
    const period = num(p.period);
    if (period !== undefined && ![10, 20, 30].includes(period) && period % 60 !== 0) out.push({ field: "period", message: "period must be 10, 20, 30 or a multiple of 60" });
    const periods = num(p.evaluationPeriods);
    if (periods === undefined || periods < 1) out.push({ field: "evaluationPeriods", message: "evaluationPeriods is required and at least 1" });
    const datapoints = num(p.datapointsToAlarm);
    if (datapoints !== undefined && (datapoints < 1 || (periods !== undefined && datapoints > periods))) out.push({ field: "datapointsToAlarm", message: "datapointsToAlarm must be between 1 and evaluationPeriods" });
    if (!isSet(p.comparisonOperator)) out.push({ field: "comparisonOperator", message: "comparisonOperator is required" });
    const queries = list(p.metricQueries);
    if (queries.length === 0) out.push(...exactlyOne(p, ["statistic", "extendedStatistic"]));
    else {
      if (queries.filter((q) => q.returnData === true).length !== 1) out.push({ field: "metricQueries", message: "exactly one metric query must return data (the alarm's series)" });
      queries.forEach((q, i) => {
        if (isSet(q.expression) === isSet(q.metric)) out.push({ field: `metricQueries.${i}`, message: "a metric query has either an expression or a metric" });
        const qp = num(get(q, "metric.period"));
        if (qp !== undefined && ![1, 5, 10, 20, 30].includes(qp) && qp % 60 !== 0) out.push({ field: `metricQueries.${i}.metric.period`, message: "a query's period must be 1, 5, 10, 20, 30 or a multiple of 60" });
      });
      for (const k of ["namespace", "metricName", "statistic", "period", "dimensions"]) if (isSet(p[k])) out.push({ field: k, message: `${k} cannot be set with metricQueries` });
    }
    out.push(...oneOf(p, "treatMissingData", ["breaching", "notBreaching", "ignore", "missing"], { ignoreCase: true }));
    for (const k of ["alarmActions", "okActions", "insufficientDataActions"]) if (list(p[k]).length > 5) out.push({ field: k, message: `${k} takes at most 5 actions` });
    return out;
  },
};

/** The EC2 user data limit: 16 KB of raw data before base64. */
export const EC2_USER_DATA_MAX_BYTES = 16 * 1024;

export const launchTemplateUserData: ProviderRule = {
  id: "aws-launch-template-user-data",
  types: [LT, "aws:ec2/instance:Instance"],
  description: "Launch template user data is base64 text whose decoded size is at most 16 KB; instance user data (plain text) at most 16 KB.",
  phase: "up",
  source: "Amazon EC2 User Guide, instance user data: \"User data is limited to 16 KB, in raw form, before it is base64-encoded\"; RequestLaunchTemplateData.UserData: \"You must provide base64-encoded text. User data is limited to 16 KB.\"",
  check: (r) => {
    const raw = str(r.inputs.userData);
    if (raw === undefined) return [];
    let decoded: Buffer;
    if (r.type === LT) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) return [{ field: "userData", value: `${raw.length} characters`, message: "launch template user data must be base64-encoded" }];
      decoded = Buffer.from(raw, "base64");
    } else {
      decoded = Buffer.from(raw, "utf8");
    }
    return decoded.length > EC2_USER_DATA_MAX_BYTES ? [{ field: "userData", value: `${decoded.length} bytes`, message: `user data is ${decoded.length} bytes raw, above the ${EC2_USER_DATA_MAX_BYTES}-byte limit` }] : [];
  },
};

export const launchTemplateMetadataOptions: ProviderRule = {
  id: "aws-launch-template-metadata-options",
  types: [LT, "aws:ec2/instance:Instance"],
  description: "Instance metadata options: hop limit 1-64; httpTokens optional or required; httpEndpoint enabled or disabled.",
  phase: "preview",
  source: `${TF} internal/service/ec2/ec2_launch_template.go metadata_options: http_put_response_hop_limit IntBetween(1, 64), http_tokens and http_endpoint enums`,
  check: (r) => [
    ...between(r.inputs, "metadataOptions.httpPutResponseHopLimit", 1, 64),
    ...oneOf(r.inputs, "metadataOptions.httpTokens", ["optional", "required"]),
    ...oneOf(r.inputs, "metadataOptions.httpEndpoint", ["enabled", "disabled"]),
  ],
};

const SG_RULE_TYPES = ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"];

export const securityGroupRuleShape: ProviderRule = {
  id: "aws-security-group-rule-shape",
  types: SG_RULE_TYPES,
  description: "A VPC security group rule has exactly one of cidrIpv4, cidrIpv6, prefixListId, referencedSecurityGroupId; CIDRs are network addresses of their family (no host bits); ports lie in -1..65535 with fromPort <= toPort, and TCP/UDP rules name them.",
  phase: "preview",
  source: `${TF} internal/service/ec2/vpc_security_group_ingress_rule.go: ExactlyOneOf(cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id); cidr_ipv4 fwvalidators.IPv4CIDRNetworkAddress(), cidr_ipv6 IPv6CIDRNetworkAddress(); from_port/to_port Between(-1, 65535)`,
  check: (r) => {
    const p = r.inputs;
    const out: Finding[] = exactlyOne(p, ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"]);
    for (const [field, family] of [["cidrIpv4", 4], ["cidrIpv6", 6]] as const) {
      const v = str(p[field]);
      if (v === undefined) continue;
      const range = cidrRange(v);
      if (!range || range.family !== family) out.push({ field, message: `${field} must be an IPv${family} CIDR` });
      else if (hasHostBits(range)) out.push({ field, message: `${field} ${v} has host bits set; give the network address` });
    }
    out.push(...between(p, "fromPort", -1, 65535), ...between(p, "toPort", -1, 65535));
    const from = num(p.fromPort);
    const to = num(p.toPort);
    if (from !== undefined && to !== undefined && from > to) out.push({ field: "fromPort", message: `fromPort ${from} is above toPort ${to}` });
    const proto = (str(p.ipProtocol) ?? "").toLowerCase();
    if (["tcp", "udp", "6", "17"].includes(proto) && (from === undefined || to === undefined)) out.push({ field: "fromPort", phase: "up", message: `a ${proto} rule needs fromPort and toPort` });
    return out;
  },
};

const IA_CLASSES = ["STANDARD_IA", "ONEZONE_IA"];

export const s3LifecycleRules: ProviderRule = {
  id: "aws-s3-lifecycle-rules",
  types: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
  description: "S3 lifecycle: transitions to STANDARD_IA or ONEZONE_IA wait at least 30 days; noncurrent-version expiry at least 1 day; each rule has an id of at most 255 characters and a status of Enabled or Disabled.",
  phase: "up",
  source: "Amazon S3 User Guide, lifecycle transition constraints: objects must be stored at least 30 days before a transition to S3 Standard-IA or One Zone-IA (also hashicorp/terraform-provider-aws PR #6201: \"days = 15 isn't valid, AWS requires at least 30\")",
  check: (r) => {
    const out: Finding[] = [];
    list(r.inputs.rules).forEach((rule, i) => {
      list(rule.transitions).forEach((t, j) => {
        const days = num(t.days);
        if (IA_CLASSES.includes(String(t.storageClass)) && days !== undefined && days < 30) out.push({ field: `rules.${i}.transitions.${j}.days`, message: `a transition to ${String(t.storageClass)} needs at least 30 days` });
      });
      list(rule.noncurrentVersionTransitions).forEach((t, j) => {
        const days = num(t.noncurrentDays);
        if (IA_CLASSES.includes(String(t.storageClass)) && days !== undefined && days < 30) out.push({ field: `rules.${i}.noncurrentVersionTransitions.${j}.noncurrentDays`, message: `a transition to ${String(t.storageClass)} needs at least 30 days` });
      });
      const nc = num(get(rule, "noncurrentVersionExpiration.noncurrentDays"));
      if (nc !== undefined && nc < 1) out.push({ field: `rules.${i}.noncurrentVersionExpiration.noncurrentDays`, message: "noncurrentDays must be at least 1" });
      if (!["Enabled", "Disabled"].includes(String(rule.status))) out.push({ field: `rules.${i}.status`, phase: "preview", message: "status must be Enabled or Disabled" });
      if (String(rule.id ?? "").length < 1 || String(rule.id ?? "").length > 255) out.push({ field: `rules.${i}.id`, phase: "preview", message: "id must be 1-255 characters" });
    });
    return out;
  },
};

export const ssmParameterValueSize: ProviderRule = {
  id: "aws-ssm-parameter-value-size",
  types: ["aws:ssm/parameter:Parameter"],
  description: "An SSM parameter value is at most 4096 characters on the Standard tier (the default) and 8192 on Advanced.",
  phase: "up",
  source: "AWS SSM PutParameter: \"Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.\"",
  check: (r) => {
    const value = str(r.inputs.value) ?? str(r.inputs.insecureValue);
    if (value === undefined) return [];
    const max = str(r.inputs.tier) === "Advanced" ? 8192 : 4096;
    return value.length > max ? [{ field: "value", value: `${value.length} characters`, message: `value is ${value.length} characters, above ${max} for the ${str(r.inputs.tier) ?? "Standard"} tier` }] : [];
  },
};

/** IAM inline policy quotas, characters without whitespace, summed over a principal's inline policies. */
const INLINE_QUOTA: Record<string, { principal: string; max: number }> = {
  "aws:iam/rolePolicy:RolePolicy": { principal: "role", max: 10240 },
  "aws:iam/userPolicy:UserPolicy": { principal: "user", max: 2048 },
  "aws:iam/groupPolicy:GroupPolicy": { principal: "group", max: 5120 },
};

const policyChars = (r: RuleResource): number => (str(r.inputs.policy) ?? JSON.stringify(r.inputs.policy ?? "")).replace(/\s/g, "").length;

export const iamPolicySize: ProviderRule = {
  id: "aws-iam-policy-size",
  types: [...Object.keys(INLINE_QUOTA), "aws:iam/policy:Policy"],
  description: "IAM policy size: a managed policy at most 6144 characters; inline policies at most 10240 (all of a role's), 2048 (a user's) or 5120 (a group's), whitespace not counted.",
  phase: "up",
  source: "IAM User Guide, IAM and AWS STS quotas: \"Managed policy size: 6,144 characters\"; \"Role policy size: 10,240 characters\", \"User policy size: 2,048 characters\", \"Group policy size: 5,120 characters\" (inline, aggregate; IAM does not count white space)",
  check: (r, ctx) => {
    if (r.type === "aws:iam/policy:Policy") {
      const n = policyChars(r);
      return n > 6144 ? [{ field: "policy", value: `${n} characters`, message: `managed policy is ${n} characters without whitespace, above 6144` }] : [];
    }
    const quota = INLINE_QUOTA[r.type];
    if (!quota) return [];
    const principal = (r.deps[quota.principal] ?? [])[0];
    const siblings = principal ? ctx.ofType(r.type).filter((o) => (o.deps[quota.principal] ?? []).some((p) => p.urn === principal.urn)) : [r];
    const total = siblings.reduce((s, o) => s + policyChars(o), 0);
    return total > quota.max ? [{ field: "policy", value: `${total} characters`, message: `the ${quota.principal}'s inline policies total ${total} characters without whitespace, above ${quota.max}` }] : [];
  },
};

export const awsTagLimits: ProviderRule = {
  id: "aws-tag-limits",
  types: ["*"],
  description: "AWS tags: at most 50 per resource, keys up to 128 and values up to 256 characters, no aws: prefix.",
  phase: "up",
  source: "AWS Tagging Best Practices / service tag restrictions: \"Maximum number of tags per resource – 50\", \"Maximum key length – 128 Unicode characters\", \"Maximum value length – 256 Unicode characters\", \"Don't use aws: ... as a prefix for either keys or values\"",
  check: (r) => {
    if (!r.type.startsWith("aws:")) return [];
    const raw = r.inputs.tags;
    const tags: [string, string][] = Array.isArray(raw)
      ? (raw as Props[]).map((t) => [String(t.key), String(t.value)])
      : raw && typeof raw === "object" ? Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]) : [];
    const out: Finding[] = [];
    if (tags.length > 50) out.push({ field: "tags", value: tags.length, message: `${tags.length} tags; at most 50` });
    for (const [k, v] of tags) {
      if ([...k].length > 128) out.push({ field: `tags.${k}`, message: `tag key ${k} is longer than 128 characters` });
      if ([...v].length > 256) out.push({ field: `tags.${k}`, message: `tag ${k}'s value is longer than 256 characters` });
      if (/^aws:/i.test(k)) out.push({ field: `tags.${k}`, message: "tag keys must not begin with aws:" });
    }
    return out;
  },
};

export const vpcAndSubnetCidrs: ProviderRule = {
  id: "aws-vpc-subnet-cidrs",
  types: ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"],
  description: "A VPC's IPv4 block is /16 to /28; each subnet's block lies inside its VPC's, is /16 to /28, and does not overlap another subnet of the VPC.",
  phase: "up",
  source: "Amazon VPC User Guide, VPC CIDR blocks: \"The allowed block size is between a /16 netmask (65,536 IP addresses) and /28 netmask (16 IP addresses)\"; subnet CIDR blocks: \"The CIDR block of a subnet can be the same as the CIDR block for the VPC ... or a subset\", \"must not overlap\"",
  check: (r, ctx) => {
    const block = cidrRange(str(r.inputs.cidrBlock) ?? "");
    if (!block) return isSet(r.inputs.cidrBlock) ? [{ field: "cidrBlock", message: "cidrBlock is not an IPv4 CIDR" }] : [];
    const out: Finding[] = [];
    if (block.family !== 4 || block.prefix < 16 || block.prefix > 28) out.push({ field: "cidrBlock", message: "the block must be IPv4 between /16 and /28" });
    if (r.type === "aws:ec2/subnet:Subnet") {
      const vpc = (r.deps.vpcId ?? [])[0];
      const vpcBlock = vpc ? cidrRange(str(vpc.inputs.cidrBlock) ?? "") : undefined;
      if (vpcBlock && !contains(vpcBlock, block)) out.push({ field: "cidrBlock", message: `subnet block is not inside its VPC's ${String(vpc?.inputs.cidrBlock)}` });
      const siblings = ctx.ofType(r.type).filter((s) => s.urn !== r.urn && vpc && (s.deps.vpcId ?? []).some((v) => v.urn === vpc.urn));
      for (const s of siblings) {
        const other = cidrRange(str(s.inputs.cidrBlock) ?? "");
        if (other && overlaps(block, other)) out.push({ field: "cidrBlock", message: `overlaps subnet ${s.name} (${String(s.inputs.cidrBlock)})` });
      }
    }
    return out;
  },
};

const SG_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;

export const securityGroupDescriptions: ProviderRule = {
  id: "aws-security-group-description",
  types: ["aws:ec2/securityGroup:SecurityGroup", ...SG_RULE_TYPES, "aws:ec2/securityGroupRule:SecurityGroupRule"],
  description: "Security group and rule descriptions are at most 255 characters from a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (no apostrophes, no non-ASCII).",
  phase: "up",
  source: "Amazon EC2 API CreateSecurityGroup GroupDescription / IpRange Description: \"Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*\"",
  check: (r) => {
    const d = str(r.inputs.description);
    if (d === undefined) return [];
    const out: Finding[] = [];
    if (d.length > 255) out.push({ field: "description", message: `description is ${d.length} characters, above 255` });
    if (!SG_DESCRIPTION.test(d)) out.push({ field: "description", message: `description has characters EC2 refuses: ${[...new Set([...d].filter((c) => !SG_DESCRIPTION.test(c)))].join(" ")}` });
    return out;
  },
};

export const eipDomain: ProviderRule = {
  id: "aws-eip-domain",
  types: ["aws:ec2/eip:Eip"],
  description: "An Elastic IP for a VPC resource (a NAT gateway) is allocated with domain \"vpc\" (the v6 provider removed the vpc flag).",
  phase: "preview",
  source: "hashicorp/terraform-provider-aws v6 upgrade guide: aws_eip \"vpc\" argument removed, use domain = \"vpc\"; EC2 AllocateAddress Domain: vpc | standard",
  check: (r) => (str(r.inputs.domain) === "vpc" ? [] : [{ field: "domain", message: "domain must be \"vpc\"" }]),
};

export const policyDocumentSizes: ProviderRule = {
  id: "aws-policy-document-size",
  types: ["aws:iam/role:Role", "aws:s3/bucketPolicy:BucketPolicy"],
  description: "A role's trust policy is at most 2048 characters (the default quota); an S3 bucket policy at most 20 KB.",
  phase: "up",
  source: "IAM User Guide, IAM and AWS STS quotas: \"Role trust policy length: 2,048 characters\"; Amazon S3 User Guide, bucket policies: \"Bucket policies are limited to 20 KB in size\"",
  check: (r) => {
    const field = r.type === "aws:iam/role:Role" ? "assumeRolePolicy" : "policy";
    const raw = r.inputs[field];
    if (raw === undefined) return [];
    const text = typeof raw === "string" ? raw : JSON.stringify(raw);
    const max = r.type === "aws:iam/role:Role" ? 2048 : 20 * 1024;
    const n = r.type === "aws:iam/role:Role" ? text.replace(/\s/g, "").length : Buffer.byteLength(text);
    return n > max ? [{ field, value: `${n}`, message: `${field} is ${n} ${r.type === "aws:iam/role:Role" ? "characters" : "bytes"}, above ${max}` }] : [];
  },
};

/** A group with an instance refresh names a real template version: on "$Latest" or "$Default" no refresh ever starts. */
export const asgRefreshVersion: ProviderRule = {
  id: "aws-asg-refresh-version",
  types: [ASG],
  description: "A group with an instance refresh uses its launch template's real latest version: with \"$Latest\" or \"$Default\" a new template version is no change of the group, so no refresh starts and running nodes keep the old model, image and key.",
  phase: "up",
  source: "pulumi-aws autoscaling.Group docs, instanceRefresh: a refresh will not start when version = $Latest is configured in the launch template block; to trigger it when a launch template changes, use the latest_version attribute. terraform-provider-aws internal/service/autoscaling/group.go (a refresh starts on launch template changes)",
  check: (r) => {
    if (!r.inputs.instanceRefresh) return [];
    const specs = [
      { field: "launchTemplate.version", v: get(r.inputs, "launchTemplate.version") },
      { field: "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version", v: get(r.inputs, "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version") },
    ];
    return specs
      .filter((x) => x.v === "$Latest" || x.v === "$Default" || (x.v === undefined && x.field === "launchTemplate.version" && isSet(r.inputs.launchTemplate)))
      .map((x) => ({ field: x.field, value: x.v ?? "(unset: $Default)", message: `the group has an instance refresh but runs version ${String(x.v ?? "$Default")}: a new template version never reaches running nodes; use the template's latestVersion` }));
  },
};

export const awsRules: ProviderRule[] = [
  asgRefreshVersion,
  lbSubnetsOnePerZone,
  listenerProtocolAndCertificate,
  listenerTargetGroupProtocol,
  targetGroupHealthCheck,
  asgShape,
  asgNoSpotTemplateInMixedPolicy,
  scalingPolicyShape,
  metricAlarmShape,
  launchTemplateUserData,
  launchTemplateMetadataOptions,
  securityGroupRuleShape,
  s3LifecycleRules,
  ssmParameterValueSize,
  iamPolicySize,
  awsTagLimits,
  vpcAndSubnetCidrs,
  securityGroupDescriptions,
  eipDomain,
  policyDocumentSizes,
];
