/** Checkpoint buckets: private, encrypted, versioned, TLS-only. */
import { dependenciesOf, type PolicyResource, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { asArray, type Props, str } from "./lib/values";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function forBucket(resources: PolicyResource[], type: string, bucket: PolicyResource): PolicyResource[] {
  return resources.filter((r) => r.type === type && dependenciesOf(r, "bucket").some((b) => b.urn === bucket.urn));
}

interface Statement {
  Effect?: string;
  Condition?: Record<string, Record<string, unknown>>;
}

function denysInsecureTransport(policy: unknown): boolean {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as typeof doc;
  } catch {
    return false;
  }
  return asArray<Statement>(doc?.Statement).some((s) => s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false");
}

/**
 * S3 settings live in separate resources (public access block, encryption, versioning, policy), so they are joined
 * to their bucket through the `bucket` property dependency.
 */
export const s3BucketHardening: StackPolicy = {
  name: "s3-bucket-hardening",
  description: "Every S3 bucket has all four public-access-block flags, default encryption, versioning and a TLS-only bucket policy.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_53/54/55/56 (public access block), CKV_AWS_19/145 (encryption), CKV_AWS_21 (versioning); the TLS-only policy from the Terraform module aws",
  remediationSteps: "Create the bucket through S3Checkpoints (infra/storage/s3-checkpoints.ts), which adds BucketPublicAccessBlock, BucketServerSideEncryptionConfiguration, BucketVersioning and a DenyInsecureTransport policy.",
  validateStack: (args, report) => {
    const all = args.resources;
    for (const bucket of all.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
      const pab = forBucket(all, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket);
      const missingFlags = PAB_FLAGS.filter((f) => !pab.some((p) => p.props[f] === true));
      if (missingFlags.length > 0) report(`bucket ${bucket.name}: public access block lacks ${missingFlags.join(", ")}`, bucket.urn);
      const inlineSse = asArray(bucket.props.serverSideEncryptionConfiguration).length > 0;
      const sse = forBucket(all, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket)
        .concat(forBucket(all, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", bucket));
      if (!inlineSse && sse.length === 0) report(`bucket ${bucket.name} has no default encryption`, bucket.urn);
      const versioning = forBucket(all, "aws:s3/bucketVersioning:BucketVersioning", bucket)
        .concat(forBucket(all, "aws:s3/bucketVersioningV2:BucketVersioningV2", bucket))
        .some((v) => (v.props.versioningConfiguration as Props | undefined)?.status === "Enabled");
      const inlineVersioning = (bucket.props.versioning as Props | undefined)?.enabled === true;
      if (!versioning && !inlineVersioning) report(`bucket ${bucket.name} is not versioned`, bucket.urn);
      const policies = forBucket(all, "aws:s3/bucketPolicy:BucketPolicy", bucket).map((p) => p.props.policy);
      if (bucket.props.policy) policies.push(bucket.props.policy);
      if (!policies.some(denysInsecureTransport)) report(`bucket ${bucket.name} has no policy denying aws:SecureTransport=false`, bucket.urn);
    }
  },
};

export const gcsBucketHardening: ResourcePolicy = {
  name: "gcs-bucket-hardening",
  description: "Every GCS bucket has uniform bucket-level access, enforced public access prevention and versioning.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_29 (uniform access), CKV_GCP_114 (public access prevention), CKV_GCP_78 (versioning)",
  remediationSteps: "Create the bucket through GcsCheckpoints (infra/storage/gcs-checkpoints.ts).",
  validateResource: (args, report) => {
    if (args.type !== "gcp:storage/bucket:Bucket") return;
    const p = args.props as Props;
    if (p.uniformBucketLevelAccess !== true) report(`${args.name}: uniformBucketLevelAccess must be true`);
    if (p.publicAccessPrevention !== "enforced") report(`${args.name}: publicAccessPrevention is ${String(p.publicAccessPrevention ?? "unset (inherited)")}; need "enforced"`);
    if ((p.versioning as Props | undefined)?.enabled !== true) report(`${args.name}: versioning must be enabled`);
  },
};

const PUBLIC_MEMBERS = new Set(["allUsers", "allAuthenticatedUsers"]);

export const gcsNoPublicMembers: ResourcePolicy = {
  name: "gcs-no-public-members",
  description: "No GCS IAM binding grants allUsers or allAuthenticatedUsers.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_28",
  remediationSteps: "Grant a named service account instead, limited by an IAM condition to the prefix it needs.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    switch (args.type) {
      case "gcp:storage/bucketIAMMember:BucketIAMMember":
        if (PUBLIC_MEMBERS.has(String(p.member))) report(`${args.name} grants ${String(p.role)} to ${String(p.member)}`);
        break;
      case "gcp:storage/bucketIAMBinding:BucketIAMBinding":
        for (const m of asArray<string>(p.members)) if (PUBLIC_MEMBERS.has(m)) report(`${args.name} grants ${String(p.role)} to ${m}`);
        break;
      case "gcp:storage/bucketIAMPolicy:BucketIAMPolicy": {
        const doc = JSON.parse(str(p.policyData) ?? "{}") as { bindings?: { role: string; members: string[] }[] };
        for (const b of doc.bindings ?? []) for (const m of b.members) if (PUBLIC_MEMBERS.has(m)) report(`${args.name} grants ${b.role} to ${m}`);
        break;
      }
      default:
        break;
    }
  },
};

export const storagePolicies = [s3BucketHardening, gcsBucketHardening, gcsNoPublicMembers];
