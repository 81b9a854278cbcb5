/** IAM on AWS and GCP: no grant wider than it names, no admin grants, and long-lived keys pinned to where they are used. */
import { broaderThan, readSource } from "../infra/cidr";
import { broadResource, hasWildcard, principals, publicAllow, type Statement, statementsOf } from "./lib/iam-doc";
import { dependenciesOf, type PolicyResource, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { asArray, type Props, str } from "./lib/values";

const IDENTITY_POLICY_TYPES = new Set(["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]);
const KEY_POLICY_TYPES = new Set(["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"]);

/**
 * Actions with no resource type, which IAM only accepts with Resource "*", and the condition key that must narrow
 * them instead: CloudWatch's PutMetricData is scoped by namespace ("Using condition keys to limit access to
 * CloudWatch namespaces", docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
 */
const SCOPED_BY_CONDITION: Record<string, string> = { "cloudwatch:putmetricdata": "cloudwatch:namespace" };

/** A Resource "*" statement whose every action has no resource type and is narrowed by its exact condition key. */
function scopedByCondition(s: Statement): boolean {
  const actions = asArray<string>(s.Action).map((a) => a.toLowerCase());
  if (actions.length === 0 || !actions.every((a) => SCOPED_BY_CONDITION[a])) return false;
  const equals = Object.entries(s.Condition ?? {}).filter(([op]) => op === "StringEquals").flatMap(([, c]) => Object.entries(c ?? {}));
  return actions.every((a) => equals.some(([k, v]) => k.toLowerCase() === SCOPED_BY_CONDITION[a] && asArray<string>(v).every((x) => typeof x === "string" && !hasWildcard(x))));
}

function identityFindings(statements: Statement[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    if (s.Effect !== "Allow") continue;
    for (const a of asArray<string>(s.Action)) if (hasWildcard(a)) out.push(`allows wildcard action ${a}`);
    if (s.NotAction !== undefined) out.push("allows NotAction, which grants everything else");
    if (s.NotResource !== undefined) out.push("allows NotResource, which grants every other resource");
    const scoped = scopedByCondition(s);
    for (const r of asArray<string>(s.Resource)) if (broadResource(r) && !(scoped && r === "*")) out.push(`allows actions on resource ${r}`);
    if (s.Resource === undefined && s.NotResource === undefined) out.push("allows actions without naming a resource");
  }
  return out;
}

/** Trust policies: who may assume the role. Anyone, or a whole account without ExternalId/MFA/principal pinning, is too wide. */
function trustFindings(statements: Statement[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    if (s.Effect !== "Allow") continue;
    if (publicAllow(s)) {
      out.push("trust policy lets any principal (*) assume the role");
      continue;
    }
    const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c ?? {}).map((k) => k.toLowerCase()));
    const pinned = ["sts:externalid", "aws:multifactorauthpresent", "aws:principalarn"].some((k) => keys.includes(k));
    for (const p of principals(s.Principal)) {
      if (!p.startsWith("AWS:")) continue;
      const v = p.slice(4);
      if ((/^\d{12}$/.test(v) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(v)) && !pinned) out.push(`trust policy lets every principal of account ${v} assume the role without sts:ExternalId, MFA or aws:PrincipalArn`);
      if (hasWildcard(v)) out.push(`trust policy names the wildcard principal ${v}`);
    }
  }
  return out;
}

/**
 * No IAM grant wider than the resources it names. Wildcards are `*` and `?` anywhere in an action (`s3:Get*`,
 * `iam:Pass*`, `iam:PassRol?`), NotAction, NotResource, resources that are not bounded by a name, trust policies
 * open to anyone or a whole account, and KMS key policies open to anyone.
 */
export const iamNoWildcards: ResourcePolicy = {
  name: "iam-no-wildcards",
  description: "No IAM policy allows wildcard actions (`*` or `?` anywhere: `s3:Get*`, `iam:Pass*`), NotAction, NotResource, or unbounded resources (`*`, `role/*`, a wildcard account); no role trust policy or KMS key policy lets any principal in; inline role policies count too.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_1, CKV_AWS_49, CKV_AWS_62, CKV_AWS_63, CKV_AWS_286-290, CKV_AWS_355, CKV2_AWS_40, CKV_AWS_60, CKV_AWS_61, CKV_AWS_33; trivy AWS-0057, AWS-0345; regula FG_R00092, FG_R00218, FG_R00219, FG_R00220, FG_R00252, FG_R00255. Wildcards: IAM JSON reference, Action and Resource elements (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html)",
  remediationSteps: "List the exact actions and resource ARNs (see instanceRolePolicy in infra/aws/identity.ts). Trust only a service principal, or a role ARN with sts:ExternalId. Key policies name principals, never \"*\" without an aws:SourceAccount/aws:PrincipalOrgID condition.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    const read = (raw: unknown, what: string) => {
      const st = statementsOf(raw);
      if (st === undefined) report(`${args.name}: ${what} is not a readable policy document`);
      return st ?? [];
    };
    if (IDENTITY_POLICY_TYPES.has(args.type)) for (const f of identityFindings(read(p.policy, "policy"))) report(`${args.name}: ${f}`);
    if (args.type === "aws:iam/role:Role") {
      for (const f of trustFindings(read(p.assumeRolePolicy, "assumeRolePolicy"))) report(`${args.name}: ${f}`);
      for (const inline of asArray<Props>(p.inlinePolicies)) for (const f of identityFindings(read(inline.policy, `inline policy ${String(inline.name ?? "")}`))) report(`${args.name}: inline policy ${String(inline.name ?? "")} ${f}`);
    }
    if (KEY_POLICY_TYPES.has(args.type)) {
      for (const s of read(p.policy, "key policy")) if (publicAllow(s)) report(`${args.name}: key policy statement ${s.Sid ?? ""} lets any principal use the key`);
    }
  },
};

/** AWS-managed policies that grant administration of an account or a whole service. */
export const DEFAULT_FORBIDDEN_AWS_POLICIES = [
  "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSOrganizationsFullAccess", "job-function/SystemAdministrator",
  "job-function/NetworkAdministrator", "job-function/DatabaseAdministrator", "AdministratorAccess-Amplify", "AdministratorAccess-AWSElasticBeanstalk",
];
/** GCP basic roles, every predefined *Admin role, and the roles that act as a service account. */
export const DEFAULT_FORBIDDEN_GCP_ROLES = ["roles/owner", "roles/editor", "roles/*admin*", "roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator", "roles/iam.workloadIdentityUser"];

interface AdminGrantConfig {
  forbiddenAwsPolicies: string[];
  forbiddenGcpRoles: string[];
}

const AWS_ATTACHMENT_TYPES = new Set([
  "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
]);
/** IAM grants above a single resource: project, folder and organization. */
const GCP_HIGH_IAM = /^gcp:(projects|folder|organizations)\/iAM(Member|Binding|Policy):/;

const globMatch = (pattern: string, value: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i").test(value);

function gcpRoles(type: string, p: Props): string[] {
  if (type.endsWith(":IAMPolicy")) {
    try {
      const doc = JSON.parse(str(p.policyData) ?? "{}") as { bindings?: { role: string }[] };
      return (doc.bindings ?? []).map((b) => b.role);
    } catch {
      return ["(unreadable policyData)"];
    }
  }
  return [String(p.role)];
}

/**
 * No administrator grant by attachment or role: AWS-managed admin policies (AdministratorAccess, PowerUserAccess,
 * IAMFullAccess, ...) attached to anything, and GCP basic roles, *Admin roles or service-account impersonation
 * roles granted at project, folder or organization level, whichever resource type grants them.
 */
export const iamNoAdminGrants: ResourcePolicy = {
  name: "iam-no-admin-grants",
  description: "No AWS-managed administrator policy (AdministratorAccess, PowerUserAccess, IAMFullAccess, ...) is attached by any attachment type or a role's managedPolicyArns; no GCP basic role, *Admin role or service-account user/token-creator role is granted at project, folder or organization level by IAMMember, IAMBinding or IAMPolicy.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_274, CKV2_AWS_56, CKV_GCP_41, CKV_GCP_42, CKV_GCP_49, CKV_GCP_117; trivy GCP-0007, GCP-0011, GCP-0005, GCP-0009; regula FG_R00384, FG_R00385. GCP basic roles: cloud.google.com/iam/docs/roles-overview#basic",
  remediationSteps: "Write a policy with the exact actions and resources, or grant a narrow predefined role on the one resource that needs it (a bucket, a secret).",
  configSchema: {
    properties: {
      forbiddenAwsPolicies: { type: "array", items: { type: "string" }, default: DEFAULT_FORBIDDEN_AWS_POLICIES },
      forbiddenGcpRoles: { type: "array", items: { type: "string" }, default: DEFAULT_FORBIDDEN_GCP_ROLES },
    },
  },
  validateResource: (args, report) => {
    const p = args.props as Props;
    const cfg = args.getConfig<AdminGrantConfig>();
    const awsForbidden = (arn: string) => cfg.forbiddenAwsPolicies.some((n) => arn === `arn:aws:iam::aws:policy/${n}` || new RegExp(`^arn:aws[a-z-]*:iam::aws:policy/(.*/)?${n.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")}$`).test(arn));
    const arns = AWS_ATTACHMENT_TYPES.has(args.type) ? [str(p.policyArn) ?? ""] : args.type === "aws:iam/role:Role" ? asArray<string>(p.managedPolicyArns) : [];
    for (const arn of arns) if (awsForbidden(arn)) report(`${args.name}: attaches the AWS-managed administrator policy ${arn}`);
    if (GCP_HIGH_IAM.test(args.type)) {
      for (const role of gcpRoles(args.type, p)) {
        const hit = cfg.forbiddenGcpRoles.find((pattern) => globMatch(pattern, role));
        if (hit) report(`${args.name}: grants ${role} at ${args.type.split(":")[1]?.split("/")[0]} level (forbidden: ${hit})`);
      }
    }
  },
};

const USER_POLICY_TYPES = new Set(["aws:iam/userPolicy:UserPolicy", "aws:iam/userPolicyAttachment:UserPolicyAttachment"]);

/** The identity-policy statements that reach a user through its groups (inline group policies and attached customer policies). */
function groupStatements(user: PolicyResource, all: PolicyResource[]): { groups: string[]; statements: Statement[] } {
  const groups = new Set<string>();
  for (const m of all) {
    if (m.type === "aws:iam/userGroupMembership:UserGroupMembership" && dependenciesOf(m, "user").some((u) => u.urn === user.urn)) for (const g of dependenciesOf(m, "groups")) groups.add(g.urn);
    if (m.type === "aws:iam/groupMembership:GroupMembership" && dependenciesOf(m, "users").some((u) => u.urn === user.urn)) for (const g of dependenciesOf(m, "group")) groups.add(g.urn);
  }
  const statements: Statement[] = [];
  for (const r of all) {
    const inGroup = (prop: string) => dependenciesOf(r, prop).some((g) => groups.has(g.urn));
    if (r.type === "aws:iam/groupPolicy:GroupPolicy" && inGroup("group")) statements.push(...(statementsOf(r.props.policy) ?? []));
    if (r.type === "aws:iam/groupPolicyAttachment:GroupPolicyAttachment" && inGroup("group")) {
      for (const pol of dependenciesOf(r, "policyArn")) statements.push(...(statementsOf(pol.props.policy) ?? []));
    }
  }
  return { groups: [...groups], statements };
}

interface PinConfig {
  minIpv4Prefix: number;
  minIpv6Prefix: number;
}

/** An IpAddress aws:SourceIp condition whose addresses together stay within the configured breadth. */
function sourceIpPinned(s: Statement, cfg: PinConfig): boolean {
  const entry = Object.entries(s.Condition?.IpAddress ?? {}).find(([k]) => k.toLowerCase() === "aws:sourceip");
  const values = asArray<string>(entry?.[1]).map(String);
  if (values.length === 0) return false;
  const sources = values.map(readSource);
  if (sources.some((x) => x === undefined)) return false;
  return broaderThan(sources.flatMap((x) => x?.ranges ?? []), cfg).length === 0;
}

/**
 * Long-lived IAM user keys are the one credential that works from anywhere. Users get permissions only through
 * groups (never a policy on the user), no console password, and every Allow a keyed user holds is pinned to
 * source addresses with aws:SourceIp, so a leaked key is useless elsewhere.
 */
export const iamUserKeysPinned: StackPolicy = {
  name: "iam-user-keys-pinned",
  description: "IAM users get permissions only through groups (no user policy or attachment), have no console login profile, and a user with an access key has every Allow statement pinned to source addresses with an aws:SourceIp condition.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_40, CKV2_AWS_21, CKV2_AWS_22, CKV_AWS_273 (mitigated, see coverage map); trivy AWS-0143; regula FG_R00007, FG_R00272. aws:SourceIp: docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip",
  remediationSteps: "Put the user in a group that holds the policy (aws.iam.Group, GroupPolicy, UserGroupMembership) and add Condition { IpAddress: { 'aws:SourceIp': [the callers' addresses] } } to each Allow, as S3Checkpoints does for the Hetzner model reader.",
  configSchema: {
    properties: {
      minIpv4Prefix: { type: "number", minimum: 0, maximum: 32, default: 16 },
      minIpv6Prefix: { type: "number", minimum: 0, maximum: 128, default: 48 },
    },
  },
  validateStack: (args, report) => {
    const all = args.resources;
    const cfg = args.getConfig<PinConfig>();
    for (const r of all) {
      if (USER_POLICY_TYPES.has(r.type)) report(`${r.name}: ${r.type.split(":")[2]} attaches a policy directly to a user; attach it to a group`, r.urn);
      if (r.type === "aws:iam/policyAttachment:PolicyAttachment" && asArray(r.props.users).length > 0) report(`${r.name}: PolicyAttachment names users; attach the policy to a group`, r.urn);
      if (r.type === "aws:iam/userLoginProfile:UserLoginProfile") report(`${r.name}: gives an IAM user a console password`, r.urn);
    }
    for (const key of all.filter((r) => r.type === "aws:iam/accessKey:AccessKey")) {
      for (const user of dependenciesOf(key, "user").filter((u) => u.type === "aws:iam/user:User")) {
        const { groups, statements } = groupStatements(user, all);
        if (groups.length === 0) {
          report(`user ${user.name} has access key ${key.name} but belongs to no group`, user.urn);
          continue;
        }
        const loose = statements.filter((s) => s.Effect === "Allow" && !sourceIpPinned(s, cfg));
        for (const s of loose) report(`user ${user.name} has access key ${key.name}; statement ${s.Sid ?? "(no Sid)"} is not pinned to at most a /${cfg.minIpv4Prefix} (IPv4) or /${cfg.minIpv6Prefix} (IPv6) worth of addresses with an aws:SourceIp condition, so the key works from anywhere`, user.urn);
      }
    }
  },
};

export const iamPolicies = [iamNoWildcards, iamNoAdminGrants, iamUserKeysPinned];
