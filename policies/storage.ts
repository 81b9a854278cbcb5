/** Buckets: private by every route, encrypted, versioned, TLS-only, and every data access logged. */
import { publicAllow, statementsOf } from "./lib/iam-doc";
import { dependenciesOf, type PolicyResource, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { asArray, type Props, str } from "./lib/values";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const S3 = {
  bucket: "aws:s3/bucket:Bucket",
  pab: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  sse: ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"],
  versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  policy: ["aws:s3/bucketPolicy:BucketPolicy"],
  ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  logging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
};

function forBucket(resources: PolicyResource[], types: string[], bucket: PolicyResource, prop = "bucket"): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type) && dependenciesOf(r, prop).some((b) => b.urn === bucket.urn));
}

function denysInsecureTransport(policy: unknown): boolean {
  return (statementsOf(policy) ?? []).some((s) => s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false");
}

interface S3Config {
  /** Require SSE-KMS (aws:kms or aws:kms:dsse) on every bucket that is not an access-log target. */
  requireKms: boolean;
  requireAccessLogging: boolean;
}

function sseAlgorithms(r: Props): string[] {
  return asArray<Props>(r.rules ?? (r.rule ? [r.rule] : [])).map((rule) => str((rule.applyServerSideEncryptionByDefault as Props | undefined)?.sseAlgorithm) ?? "none");
}

/**
 * S3 settings live in separate resources (public access block, ownership, encryption, versioning, policy, logging),
 * joined to their bucket through the `bucket` property dependency. S3 keeps one of each per bucket, so two resources
 * of a kind for one bucket overwrite each other: each must be right on its own, and the duplicate is reported.
 */
export const s3BucketHardening: StackPolicy = {
  name: "s3-bucket-hardening",
  description: "Every S3 bucket has one public access block with all four flags, ACLs disabled (BucketOwnerEnforced), default encryption (SSE-KMS where the stack's config requires it, SSE-S3 on access-log targets, which cannot take SSE-KMS), versioning, a TLS-only bucket policy and server access logging to another bucket; two resources of one kind for a bucket are reported, as one overwrites the other.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_53/54/55/56, CKV2_AWS_6 (public access block), CKV2_AWS_65 (ACLs disabled), CKV_AWS_19, CKV_AWS_145 (KMS, where requireKms), CKV_AWS_21 (versioning), CKV_AWS_18 (access logging); trivy AWS-0086/0087/0091/0093/0094, AWS-0088, AWS-0132, AWS-0090, AWS-0089; regula FG_R00229, FG_R00099, FG_R00100, FG_R00101, FG_R00274. Log targets and SSE-KMS: docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
  remediationSteps: "Create the bucket through S3Checkpoints (infra/storage/s3-checkpoints.ts), which adds BucketPublicAccessBlock, BucketOwnershipControls, BucketServerSideEncryptionConfiguration, BucketVersioning, a DenyInsecureTransport policy and BucketLogging to its log bucket. Declare each setting once per bucket.",
  configSchema: {
    properties: {
      requireKms: { type: "boolean", default: false },
      requireAccessLogging: { type: "boolean", default: true },
    },
  },
  validateStack: (args, report) => {
    const all = args.resources;
    const cfg = args.getConfig<S3Config>();
    const logTargets = new Set(all.filter((r) => S3.logging.includes(r.type)).flatMap((l) => dependenciesOf(l, "targetBucket").map((b) => b.urn)));
    for (const b of all.filter((r) => r.type === S3.bucket)) if (str((b.props.logging as Props | undefined)?.targetBucket)) for (const t of dependenciesOf(b, "logging")) logTargets.add(t.urn);
    for (const bucket of all.filter((r) => r.type === S3.bucket)) {
      const say = (m: string) => report(`bucket ${bucket.name}${m}`, bucket.urn);
      const duplicates = (kind: string, rs: PolicyResource[]) => {
        if (rs.length > 1) say(` has ${rs.length} ${kind} resources (${rs.map((r) => r.name).join(", ")}); S3 keeps one, so they overwrite each other`);
      };

      const pab = forBucket(all, S3.pab, bucket);
      duplicates("public access block", pab);
      if (pab.length === 0) say(": no public access block");
      for (const p of pab) {
        const missing = PAB_FLAGS.filter((f) => p.props[f] !== true);
        if (missing.length > 0) say(`: public access block ${p.name} lacks ${missing.join(", ")}`);
      }

      const ownership = forBucket(all, S3.ownership, bucket);
      duplicates("ownership controls", ownership);
      const enforced = (o: PolicyResource) => asArray<Props>(o.props.rule).every((r) => r.objectOwnership === "BucketOwnerEnforced") && asArray(o.props.rule).length > 0;
      if (ownership.length === 0 || !ownership.every(enforced)) say(": ACLs are not disabled (need BucketOwnershipControls with objectOwnership BucketOwnerEnforced)");

      const isLogTarget = logTargets.has(bucket.urn);
      const sse = forBucket(all, S3.sse, bucket);
      duplicates("encryption configuration", sse);
      const inlineSse = bucket.props.serverSideEncryptionConfiguration as Props | undefined;
      const algorithms = [...sse.flatMap((s) => sseAlgorithms(s.props)), ...(inlineSse ? sseAlgorithms(inlineSse) : [])];
      if (algorithms.length === 0) say(" has no default encryption");
      else if (isLogTarget && algorithms.some((a) => a !== "AES256")) say(` receives server access logs, so its default encryption must be SSE-S3 (AES256); got ${algorithms.join(", ")}`);
      else if (!isLogTarget && cfg.requireKms && algorithms.some((a) => !a.startsWith("aws:kms"))) say(`: default encryption is ${algorithms.join(", ")}; this stack requires SSE-KMS (aws:kms) with a customer-managed key`);

      const versioning = forBucket(all, S3.versioning, bucket);
      duplicates("versioning", versioning);
      const inlineVersioning = (bucket.props.versioning as Props | undefined)?.enabled === true;
      const allEnabled = versioning.length > 0 && versioning.every((v) => (v.props.versioningConfiguration as Props | undefined)?.status === "Enabled");
      if (!allEnabled && !(versioning.length === 0 && inlineVersioning)) say(" is not versioned");

      const policies = forBucket(all, S3.policy, bucket);
      duplicates("bucket policy", policies);
      const docs = [...policies.map((p) => p.props.policy), ...(bucket.props.policy ? [bucket.props.policy] : [])];
      if (docs.length === 0 || !docs.every(denysInsecureTransport)) say(" has no policy denying aws:SecureTransport=false");

      const logging = forBucket(all, S3.logging, bucket);
      if (logging.flatMap((l) => dependenciesOf(l, "targetBucket")).some((t) => t.urn === bucket.urn)) say(" logs its own access into itself (each log delivery is another access to log)");
      if (cfg.requireAccessLogging && !isLogTarget) {
        duplicates("access logging", logging);
        const inlineTarget = str((bucket.props.logging as Props | undefined)?.targetBucket);
        if (logging.length === 0 && !inlineTarget) say(" has no server access logging");
      }
    }
  },
};

const PUBLIC_CANNED = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEES = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;

function publicGrants(grants: Props[]): string[] {
  return grants.flatMap((g) => {
    const grantee = (g.grantee ?? g) as Props;
    const uri = str(grantee.uri) ?? "";
    return PUBLIC_GRANTEES.test(uri) ? [`${asArray(g.permissions).join("/") || String(g.permission ?? "")} to ${uri.split("/").pop() ?? uri}`] : [];
  });
}

/**
 * Public access to S3 data by any route: a bucket policy with an Allow for "*" that no condition pins to named
 * callers, a public canned ACL or a grant to AllUsers/AuthenticatedUsers on a bucket or an object.
 */
export const s3NoPublicGrants: ResourcePolicy = {
  name: "s3-no-public-grants",
  description: "No bucket policy allows \"*\" (or NotPrincipal) without a condition that pins named callers; no bucket or object ACL is public-read, public-read-write or authenticated-read, or grants to AllUsers or AuthenticatedUsers.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_70, CKV_AWS_20, CKV_AWS_57; trivy AWS-0092; regula FG_R00210, FG_R00211, FG_R00277, FG_R00279. Public means: docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
  remediationSteps: "Grant the named role or account in the bucket policy, or pin \"*\" with aws:SourceArn/aws:SourceAccount (as the access-log bucket does for logging.s3.amazonaws.com). Keep ACLs disabled.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    const checkPolicy = (raw: unknown) => {
      const st = statementsOf(raw);
      if (st === undefined) report(`${args.name}: bucket policy is not a readable policy document`);
      for (const s of st ?? []) if (publicAllow(s)) report(`${args.name}: statement ${s.Sid ?? "(no Sid)"} allows ${asArray(s.Action).join(", ") || "actions"} to anyone`);
    };
    switch (args.type) {
      case "aws:s3/bucketPolicy:BucketPolicy":
        checkPolicy(p.policy);
        break;
      case "aws:s3/bucket:Bucket":
        if (p.policy) checkPolicy(p.policy);
        if (PUBLIC_CANNED.has(String(p.acl))) report(`${args.name}: canned ACL ${String(p.acl)}`);
        for (const g of publicGrants(asArray<Props>(p.grants))) report(`${args.name}: ACL grants ${g}`);
        break;
      case "aws:s3/bucketAcl:BucketAcl":
      case "aws:s3/bucketAclV2:BucketAclV2": {
        if (PUBLIC_CANNED.has(String(p.acl))) report(`${args.name}: canned ACL ${String(p.acl)}`);
        const grants = asArray<Props>((p.accessControlPolicy as Props | undefined)?.grants);
        for (const g of publicGrants(grants)) report(`${args.name}: ACL grants ${g}`);
        break;
      }
      case "aws:s3/bucketObject:BucketObject":
      case "aws:s3/bucketObjectv2:BucketObjectv2":
        if (PUBLIC_CANNED.has(String(p.acl))) report(`${args.name}: object ACL ${String(p.acl)}`);
        break;
      default:
        break;
    }
  },
};

export const gcsBucketHardening: ResourcePolicy = {
  name: "gcs-bucket-hardening",
  description: "Every GCS bucket has uniform bucket-level access, enforced public access prevention and versioning.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_29 (uniform access), CKV_GCP_114 (public access prevention), CKV_GCP_78 (versioning); trivy GCP-0002, GCP-0078; regula FG_R00421",
  remediationSteps: "Create the bucket through GcsCheckpoints (infra/storage/gcs-checkpoints.ts).",
  validateResource: (args, report) => {
    if (args.type !== "gcp:storage/bucket:Bucket") return;
    const p = args.props as Props;
    if (p.uniformBucketLevelAccess !== true) report(`${args.name}: uniformBucketLevelAccess must be true`);
    if (p.publicAccessPrevention !== "enforced") report(`${args.name}: publicAccessPrevention is ${String(p.publicAccessPrevention ?? "unset (inherited)")}; need "enforced"`);
    if ((p.versioning as Props | undefined)?.enabled !== true) report(`${args.name}: versioning must be enabled`);
  },
};

const PUBLIC_MEMBERS = new Set(["allusers", "allauthenticatedusers"]);
const isPublicMember = (m: string) => PUBLIC_MEMBERS.has(m.trim().toLowerCase());
/** ACL entities for everyone; predefined ACLs that grant to them. */
const PUBLIC_ENTITY = /(^|:)(allUsers|allAuthenticatedUsers)$/i;
const PUBLIC_PREDEFINED = new Set(["publicread", "publicreadwrite", "authenticatedread"]);

function iamBindings(type: string, p: Props): { role: string; members: string[] }[] {
  if (/(IAM|Iam)Policy$/.test(type)) {
    try {
      const doc = JSON.parse(str(p.policyData) ?? "{}") as { bindings?: { role: string; members: string[] }[] };
      return doc.bindings ?? [];
    } catch {
      return [{ role: "(unreadable policyData)", members: ["allUsers"] }];
    }
  }
  if (/(IAM|Iam)Binding$/.test(type)) return [{ role: String(p.role), members: asArray<string>(p.members) }];
  if (/(IAM|Iam)Member$/.test(type)) return [{ role: String(p.role), members: [String(p.member)] }];
  return [];
}

/**
 * Public access on GCP by any route: IAM grants to allUsers or allAuthenticatedUsers on a bucket, a secret, a project,
 * folder or organization (by member, binding or policy), and legacy ACLs (bucket, default object and object access
 * controls, ACL resources, predefined public ACLs).
 */
export const gcsNoPublicMembers: ResourcePolicy = {
  name: "gcs-no-public-members",
  description: "No GCP IAM member, binding or policy (bucket, secret, project, folder, organization) grants to allUsers or allAuthenticatedUsers, and no bucket, default-object or object ACL (access-control or ACL resources, predefined ACLs) makes data public.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_28, CKV2_GCP_9; trivy GCP-0001; regula FG_R00420. Members: cloud.google.com/iam/docs/principals-overview#all-users",
  remediationSteps: "Grant a named service account instead, limited by an IAM condition to the prefix it needs. Keep uniform bucket-level access on, so ACLs do not apply.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type.startsWith("gcp:") && /:\w*(IAM|Iam)(Member|Binding|Policy)$/.test(args.type)) {
      for (const b of iamBindings(args.type, p)) for (const m of b.members) if (isPublicMember(m)) report(`${args.name} grants ${b.role} to ${m}`);
      return;
    }
    switch (args.type) {
      case "gcp:storage/bucketAccessControl:BucketAccessControl":
      case "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl":
      case "gcp:storage/objectAccessControl:ObjectAccessControl":
        if (PUBLIC_ENTITY.test(String(p.entity))) report(`${args.name}: ACL gives ${String(p.role ?? "access")} to ${String(p.entity)}`);
        break;
      case "gcp:storage/bucketACL:BucketACL":
      case "gcp:storage/defaultObjectACL:DefaultObjectACL":
      case "gcp:storage/objectACL:ObjectACL":
        for (const e of asArray<string>(p.roleEntities)) if (PUBLIC_ENTITY.test(e)) report(`${args.name}: ACL entry ${e}`);
        for (const k of ["predefinedAcl", "defaultAcl"]) if (PUBLIC_PREDEFINED.has(String(p[k]).toLowerCase())) report(`${args.name}: ${k} ${String(p[k])}`);
        break;
      default:
        break;
    }
  },
};

/**
 * GCS data access is logged: Cloud Audit Logs DATA_READ and DATA_WRITE for storage.googleapis.com (or allServices)
 * in the bucket's project, with nobody exempted, or usage logs delivered to another bucket.
 */
export const gcsDataAccessLogged: StackPolicy = {
  name: "gcs-data-access-logged",
  description: "Every GCS bucket's reads and writes are logged: a project IAMAuditConfig for storage.googleapis.com (or allServices) with DATA_READ and DATA_WRITE and no exempted members, or usage logs (logging.logBucket) to a different bucket.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_62 (met by audit logs, which Checkov does not read), CKV_GCP_63, CKV2_GCP_5; trivy GCP-0077, GCP-0079; regula FG_R00389, FG_R00391. Google recommends audit logs over usage logs: cloud.google.com/storage/docs/access-logs; data access logs are off by default: cloud.google.com/logging/docs/audit/configure-data-access",
  remediationSteps: "Create the bucket through GcsCheckpoints, which adds gcp.projects.IAMAuditConfig { service: 'storage.googleapis.com', auditLogConfigs: [{ logType: 'DATA_READ' }, { logType: 'DATA_WRITE' }] }.",
  validateStack: (args, report) => {
    const audits = args.resources.filter((r) => r.type === "gcp:projects/iAMAuditConfig:IAMAuditConfig");
    for (const a of audits) {
      for (const c of asArray<Props>(a.props.auditLogConfigs)) {
        if (asArray(c.exemptedMembers).length > 0) report(`audit config ${a.name} exempts ${asArray(c.exemptedMembers).join(", ")} from ${String(c.logType)} logs`, a.urn);
      }
    }
    for (const b of args.resources.filter((r) => r.type === "gcp:storage/bucket:Bucket")) {
      const project = str(b.props.project);
      const logged = audits.some((a) => {
        if (project && str(a.props.project) !== project) return false;
        if (!["storage.googleapis.com", "allServices"].includes(String(a.props.service))) return false;
        const types = asArray<Props>(a.props.auditLogConfigs).map((c) => String(c.logType));
        return types.includes("DATA_READ") && types.includes("DATA_WRITE");
      });
      const usage = str((b.props.logging as Props | undefined)?.logBucket);
      if (usage && (usage === str(b.props.name) || dependenciesOf(b, "logging").some((d) => d.urn === b.urn))) report(`bucket ${b.name} writes its usage logs into itself`, b.urn);
      if (!logged && !usage) report(`bucket ${b.name}: data access is not logged (no DATA_READ and DATA_WRITE audit config for storage.googleapis.com in project ${project ?? "(provider default)"}, no usage logs)`, b.urn);
    }
  },
};

export const storagePolicies = [s3BucketHardening, s3NoPublicGrants, gcsBucketHardening, gcsNoPublicMembers, gcsDataAccessLogged];
