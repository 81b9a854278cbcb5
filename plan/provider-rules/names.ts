/**
 * Physical names against their type's limits: the autonamer's own maximum, the limits the SDK docs state
 * (generated), and the provider validators the SDK docs do not mention (by hand, each with its source).
 */
import sdkLimitsJson from "../generated/sdk-limits.json";
import type { FieldLimit, SdkLimits } from "./sdk-limits";
import { get, str } from "./read";
import type { Finding, ProviderRule, RuleResource } from "./types";

const sdkLimits = sdkLimitsJson as SdkLimits;

export const autonamingMaxLength: ProviderRule = {
  id: "autoname-max-length",
  types: ["*"],
  description: "A name the provider makes (logical name + '-' + 7 hex) must fit the type's autoname maximum; the autonamer fails, it never truncates.",
  phase: "preview",
  source: "pulumi/pulumi sdk/go/common/resource/resource_id.go NewUniqueName: \"name '%s' plus %d random chars is longer than maximum length %d\"",
  check: (r) => (r.autonamed?.error ? [{ field: r.autonamed.field, message: `autonaming fails: ${r.autonamed.error}`, source: r.autonamed.source }] : []),
};

function checkLimit(value: string, limit: Omit<FieldLimit, "doc">): string[] {
  const out: string[] = [];
  if (limit.maxLength !== undefined && value.length > limit.maxLength) out.push(`is ${value.length} characters, longer than ${limit.maxLength}`);
  if (limit.minLength !== undefined && value.length < limit.minLength) out.push(`is ${value.length} characters, shorter than ${limit.minLength}`);
  if (limit.pattern !== undefined && !new RegExp(limit.pattern).test(value)) out.push(`is not ${limit.patternName ?? `matching ${limit.pattern}`}`);
  return out;
}

export const sdkDocumentedNameLimits: ProviderRule = {
  id: "sdk-documented-name-limits",
  types: ["*"],
  description: "Names and ids meet the length and character rules their field's doc comment states in the installed SDK (plan/generated/sdk-limits.json).",
  phase: "preview",
  source: "doc comments of the installed @pulumi/aws, @pulumi/gcp and @pulumi/hcloud typings (the providers' own field docs)",
  check: (r) => {
    const fields = sdkLimits.types[r.type] ?? {};
    return Object.entries(fields).flatMap(([field, limit]) => {
      const value = str(r.inputs[field]);
      if (value === undefined) return [];
      const provider = r.type.split(":")[0] ?? "";
      return checkLimit(value, limit).map((problem) => ({
        field,
        message: `${field} ${problem}`,
        source: `@pulumi/${provider} ${sdkLimits.providers[provider] ?? ""} ${r.type.split(":")[2]}Args.${field}: "${limit.doc}"`,
      }));
    });
  },
};

interface HandLimit extends Omit<FieldLimit, "doc"> {
  /** Extra refusals: a pattern the value must NOT match, and why. */
  forbidden?: { pattern: string; why: string }[];
  source: string;
  /** `up` where only the cloud API refuses it (no provider validator at preview). */
  phase?: "up";
}

const TF_AWS = "hashicorp/terraform-provider-aws";

/** Validators the SDK docs do not state, read from the provider sources and API references. */
export const HAND_LIMITS: Record<string, Record<string, HandLimit>> = {
  "aws:lb/loadBalancer:LoadBalancer": {
    name: { forbidden: [{ pattern: "^internal-", why: "must not begin with \"internal-\"" }], source: `${TF_AWS} internal/service/elbv2/validate.go validName: "%q cannot begin with \\"internal-\\""` },
  },
  "aws:iam/role:Role": {
    name: { minLength: 1, maxLength: 64, pattern: "^[\\w+=,.@-]+$", patternName: "letters, digits and +=,.@_-", source: `${TF_AWS} internal/service/iam/role.go roleNameMaxLen = 64; validate.go validResourceName: "must match [\\\\w+=,.@-]"` },
  },
  "aws:iam/user:User": {
    name: { minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z=,.@\\-_+]+$", patternName: "letters, digits and =,.@-_+", phase: "up", source: `${TF_AWS} internal/service/iam/user.go (characters); IAM CreateUser API: UserName length 1-64` },
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    name: { minLength: 1, maxLength: 128, pattern: "^[\\w+=,.@-]+$", patternName: "letters, digits and +=,.@_-", source: `${TF_AWS} internal/service/iam/instance_profile.go instanceProfileNameMaxLen = 128` },
  },
  "aws:iam/policy:Policy": {
    name: { minLength: 1, maxLength: 128, pattern: "^[\\w+=,.@-]+$", patternName: "letters, digits and +=,.@_-", source: `${TF_AWS} internal/service/iam/policy.go policyNameMaxLen = 128` },
  },
  "aws:iam/rolePolicy:RolePolicy": {
    name: { minLength: 1, maxLength: 128, pattern: "^[\\w+=,.@-]+$", patternName: "letters, digits and +=,.@_-", source: `${TF_AWS} internal/service/iam/role_policy.go rolePolicyNameMaxLen = 128` },
  },
  "aws:iam/userPolicy:UserPolicy": {
    name: { minLength: 1, maxLength: 128, pattern: "^[\\w+=,.@-]+$", patternName: "letters, digits and +=,.@_-", phase: "up", source: "IAM PutUserPolicy API: PolicyName length 1-128, pattern [\\w+=,.@-]+" },
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    name: { maxLength: 255, forbidden: [{ pattern: "^sg-", why: "must not begin with \"sg-\"" }], source: `${TF_AWS} internal/service/ec2/vpc_security_group.go: StringLenBetween(0, 255), "cannot begin with sg-"` },
  },
  "aws:ec2/launchTemplate:LaunchTemplate": {
    name: { minLength: 3, maxLength: 125, pattern: "^[0-9A-Za-z()./_\\-]+$", patternName: "letters, digits and ()./_-", source: `${TF_AWS} internal/verify/validate.go ValidLaunchTemplateName: "cannot be less than 3 characters", len(value) > 125` },
  },
  "aws:autoscaling/group:Group": {
    name: { minLength: 1, maxLength: 255, forbidden: [{ pattern: ":", why: "must not contain a colon" }], phase: "up", source: "AWS Auto Scaling CreateAutoScalingGroup API: \"Length Constraints: Minimum length of 1. Maximum length of 255.\" \"You cannot use a colon (:) in the name.\"" },
  },
  "aws:ssm/parameter:Parameter": {
    name: {
      minLength: 1,
      maxLength: 1011,
      pattern: "^[a-zA-Z0-9_.\\-/]+$",
      patternName: "letters, digits and _.-/",
      forbidden: [{ pattern: "^/?(aws|ssm)", why: "must not begin with aws or ssm (case-insensitive)" }],
      phase: "up", source: "AWS SSM PutParameter API: \"A parameter name can't be prefixed with aws or ssm (case-insensitive)\", \"can include only a-zA-Z0-9_.-\" and /, \"The maximum length for the fully qualified parameter name is 1011 characters\"",
    },
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    name: { minLength: 1, maxLength: 255, source: `${TF_AWS} internal/service/cloudwatch/metric_alarm.go: alarm_name StringLenBetween(1, 255)` },
    namespace: { minLength: 1, maxLength: 255, forbidden: [{ pattern: ":", why: "must not contain a colon" }], source: `${TF_AWS} internal/service/cloudwatch/metric_alarm.go: namespace "must not contain colon characters"` },
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    name: { minLength: 1, maxLength: 512, pattern: "^[0-9A-Za-z_./#-]+$", patternName: "letters, digits and _./#-", source: `${TF_AWS} internal/service/logs/validate.go validLogGroupName` },
  },
  "aws:kms/alias:Alias": {
    name: { pattern: "^alias/[0-9A-Za-z_/-]+$", patternName: "alias/ followed by [0-9A-Za-z_/-]", forbidden: [{ pattern: "^alias/aws/", why: "must not begin with the reserved alias/aws/" }], source: `${TF_AWS} internal/service/kms/validate.go validNameForResource` },
  },
  "gcp:storage/bucket:Bucket": {
    name: {
      minLength: 3,
      maxLength: 63,
      pattern: "^[a-z0-9][a-z0-9_-]*[a-z0-9]$",
      patternName: "lowercase letters, digits, - and _, starting and ending with a letter or digit (no dots: dotted names need domain verification)",
      forbidden: [{ pattern: "^goog", why: "must not begin with \"goog\"" }, { pattern: "google|g00gle", why: "must not contain \"google\"" }],
      phase: "up", source: "cloud.google.com/storage/docs/buckets#naming: \"Bucket names must contain 3-63 characters\", \"only lowercase letters, numbers, dashes (-), underscores (_), and dots\", \"start and end with a number or letter\", \"cannot begin with the goog prefix\", \"cannot contain google\"",
    },
  },
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": {
    baseInstanceName: { minLength: 1, maxLength: 58, phase: "up", source: "GoogleCloudPlatform/magic-modules mmv1/products/compute/RegionInstanceGroupManager.yaml: \"The value must be 1-58 characters long. Instances are named by appending a hyphen and a random four-character string\"" },
  },
  "gcp:compute/instanceGroupManager:InstanceGroupManager": {
    baseInstanceName: { minLength: 1, maxLength: 58, phase: "up", source: "GoogleCloudPlatform/magic-modules mmv1/products/compute/InstanceGroupManager.yaml: \"The value must be 1-58 characters long\"" },
  },
  "gcp:compute/routerNat:RouterNat": {
    name: { minLength: 2, maxLength: 63, source: "hashicorp/terraform-provider-google resource_compute_router_nat.go: verify.ValidateRFC1035Name(2, 63)" },
  },
  "gcp:secretmanager/secret:Secret": {
    secretId: { minLength: 1, maxLength: 255, pattern: "^[A-Za-z0-9_-]+$", patternName: "letters, digits, - and _", phase: "up", source: "Secret Manager CreateSecretRequest: \"A secret ID is a string with a maximum length of 255 characters and can contain uppercase and lowercase letters, numerals, and the hyphen (-) and underscore (_) characters\"" },
  },
};

export const handNameLimits: ProviderRule = {
  id: "provider-name-limits",
  types: Object.keys(HAND_LIMITS),
  description: "Names and ids meet the provider validators and API limits that the SDK docs do not state.",
  phase: "preview",
  source: "per field, see plan/provider-rules/names.ts HAND_LIMITS",
  check: (r: RuleResource): Finding[] =>
    Object.entries(HAND_LIMITS[r.type] ?? {}).flatMap(([field, limit]) => {
      const value = str(get(r.inputs, field));
      if (value === undefined) return [];
      const problems = checkLimit(value, limit);
      for (const f of limit.forbidden ?? []) if (new RegExp(f.pattern, "i").test(value)) problems.push(f.why);
      return problems.map((p) => ({ field, message: `${field} ${p}`, source: limit.source, ...(limit.phase ? { phase: limit.phase } : {}) }));
    }),
};

export const nameRules = [autonamingMaxLength, sdkDocumentedNameLimits, handNameLimits];
