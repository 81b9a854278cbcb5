/**
 * Physical names as the engine makes them. When a program sets no name, the bridged provider's Check proposes
 * `<logical name><separator><7 random hex characters>` for the type's autonamed input, lowercased for some types,
 * and fails (it never truncates) when that is longer than the type's autoname maximum:
 *   pulumi/pulumi sdk/go/common/resource/resource_id.go NewUniqueName:
 *     "name '%s' plus %d random chars is longer than maximum length %d"
 *   pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go: AutoName(...) uses Randlen: 7, charset [0-9a-f].
 * The provider then validates the proposed name like any other input (see sdk-limits.ts and hand-limits.ts).
 */
import { createHash } from "node:crypto";
import sdkLimitsJson from "../generated/sdk-limits.json";

export const AUTONAME_RANDOM_LENGTH = 7;
export const AUTONAME_SEPARATOR = "-";

export interface AutonameSpec {
  /** The input the provider fills. */
  field: string;
  /** Longest name the autonamer makes; longer fails. */
  maxLength: number;
  lowercase: boolean;
  /** Text added before the name after autonaming (KMS aliases get `alias/`). */
  prefix?: string;
  source: string;
}

const DEFAULT_SOURCE: Record<string, string> = {
  aws: "pulumi/pulumi-aws provider/autonaming.go: every input named `name` gets tfbridge.AutoName(\"name\", 255, \"-\")",
  gcp: "pulumi/pulumi-gcp provider/resources.go: prov.SetAutonaming(255, \"-\")",
  hcloud: "pulumi/pulumi-hcloud provider/resources.go: every input named `name` gets tfbridge.AutoName(\"name\", 255)",
};

const PULUMI_AWS = "pulumi/pulumi-aws provider/resource_overrides.go";
const PULUMI_GCP = "pulumi/pulumi-gcp provider/resources.go";
const GCP_LOWER = `${PULUMI_GCP}: nameField(lowercaseAutoName()) = AutoNameOptions{Separator: "-", Maxlen: 63, Randlen: 7, Transform: strings.ToLower}`;

/** Types whose autonaming differs from the provider's default (`name`, 255, case kept). */
export const AUTONAME_OVERRIDES: Record<string, AutonameSpec> = {
  "aws:lb/targetGroup:TargetGroup": { field: "name", maxLength: 32, lowercase: false, source: `pulumi/pulumi-aws provider/aliases.go: "name": tfbridge.AutoName("name", 32, "-")` },
  "aws:iam/role:Role": { field: "name", maxLength: 64, lowercase: false, source: `${PULUMI_AWS}: "name": tfbridge.AutoName("name", 64, "-")` },
  "aws:s3/bucket:Bucket": { field: "bucket", maxLength: 63, lowercase: true, source: `${PULUMI_AWS}: "bucket": tfbridge.AutoNameTransform("bucket", 63, strings.ToLower)` },
  "aws:s3/bucketV2:BucketV2": { field: "bucket", maxLength: 63, lowercase: true, source: `${PULUMI_AWS}: "bucket": tfbridge.AutoNameTransform("bucket", 63, strings.ToLower)` },
  "aws:kms/alias:Alias": { field: "name", maxLength: 238, lowercase: false, prefix: "alias/", source: `${PULUMI_AWS}: AutoNameWithCustomOptions("name", {Maxlen: 238, Randlen: 7, PostTransform: "alias/" + name})` },
  "gcp:compute/network:Network": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/subnetwork:Subnetwork": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/router:Router": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/routerNat:RouterNat": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/backendService:BackendService": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/uRLMap:URLMap": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/targetHttpProxy:TargetHttpProxy": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:compute/securityPolicy:SecurityPolicy": { field: "name", maxLength: 63, lowercase: true, source: GCP_LOWER },
  "gcp:storage/bucket:Bucket": { field: "name", maxLength: 222, lowercase: false, source: `${PULUMI_GCP}: "name": tfbridge.AutoName("name", 222, "-")` },
  "gcp:serviceaccount/account:Account": { field: "accountId", maxLength: 30, lowercase: false, source: `${PULUMI_GCP}: "account_id": info.AutoName("", 30, "-")` },
  "gcp:secretmanager/secret:Secret": { field: "secretId", maxLength: 255, lowercase: false, source: `pulumi/pulumi-gcp provider/secret_manager.go: "secret_id": tfbridge.AutoName("secretId", 255, "-")` },
};

/** Inputs that, when set, stop autonaming (the bridge skips a default that would conflict with them). */
const CONFLICTING = ["namePrefix", "bucketPrefix"];

const withName = new Set((sdkLimitsJson as { withNameInput: string[] }).withNameInput);

/** How the type is autonamed, or undefined when it is not. */
export function autonameSpec(type: string): AutonameSpec | undefined {
  const override = AUTONAME_OVERRIDES[type];
  if (override) return override;
  const provider = type.split(":")[0] ?? "";
  if (!withName.has(type) || !DEFAULT_SOURCE[provider]) return undefined;
  return { field: "name", maxLength: 255, lowercase: false, source: DEFAULT_SOURCE[provider] };
}

/** The 7 "random" hex characters: derived from the logical name, so offline runs are repeatable. */
export function autonameSuffix(logicalName: string, type: string): string {
  return createHash("sha256").update(`${type}::${logicalName}`).digest("hex").slice(0, AUTONAME_RANDOM_LENGTH);
}

export interface Autoname {
  field: string;
  value: string;
  /** Set when the autonamer would refuse: the name is longer than its maximum. */
  error?: string;
  spec: AutonameSpec;
}

/**
 * The inputs as the provider's Check leaves them: the proposed name filled in (when the program set none), and
 * what the mock runtime records about it.
 */
export function checkedInputs(type: string, logicalName: string, given: Record<string, unknown>): { inputs: Record<string, unknown>; autonamed?: { field: string; error?: string; source: string } } {
  const auto = autoname(type, logicalName, given);
  if (!auto) return { inputs: given };
  return { inputs: { ...given, [auto.field]: auto.value }, autonamed: { field: auto.field, source: auto.spec.source, ...(auto.error ? { error: auto.error } : {}) } };
}

/** The name the provider would propose for a resource registered without one, or undefined when it sets its own. */
export function autoname(type: string, logicalName: string, inputs: Record<string, unknown>): Autoname | undefined {
  const spec = autonameSpec(type);
  if (!spec) return undefined;
  if (inputs[spec.field] !== undefined && inputs[spec.field] !== null) return undefined;
  if (CONFLICTING.some((k) => inputs[k] !== undefined && inputs[k] !== null)) return undefined;
  const base = `${spec.lowercase ? logicalName.toLowerCase() : logicalName}${AUTONAME_SEPARATOR}`;
  const value = `${spec.prefix ?? ""}${base}${autonameSuffix(logicalName, type)}`;
  const length = base.length + AUTONAME_RANDOM_LENGTH;
  const error = length > spec.maxLength
    ? `name '${base}' plus ${AUTONAME_RANDOM_LENGTH} random chars is longer than maximum length ${spec.maxLength}`
    : undefined;
  return { field: spec.field, value, spec, ...(error ? { error } : {}) };
}
