import { describe, expect, it } from "vitest";
import { tlsOnlyPolicy } from "../../infra/storage/s3-checkpoints";
import { gcsBucketHardening, gcsDataAccessLogged, gcsNoPublicMembers, s3BucketHardening, s3NoPublicGrants } from "../../policies/storage";
import { check, messages, res } from "./harness";

const bucket = res("aws:s3/bucket:Bucket", "ckpt", {});
const pab = (flags: Record<string, boolean>, b = bucket) => res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `pab-${b.name}`, flags, { deps: { bucket: [b] } });
const allFlags = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const sse = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { deps: { bucket: [bucket] } });
const ver = res("aws:s3/bucketVersioning:BucketVersioning", "ver", { versioningConfiguration: { status: "Enabled" } }, { deps: { bucket: [bucket] } });
const pol = res("aws:s3/bucketPolicy:BucketPolicy", "pol", { policy: JSON.stringify(tlsOnlyPolicy("arn:aws:s3:::ckpt")) }, { deps: { bucket: [bucket] } });
const own = res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "own", { rule: { objectOwnership: "BucketOwnerEnforced" } }, { deps: { bucket: [bucket] } });
const logs = res("aws:s3/bucket:Bucket", "logs", {});
const logging = res("aws:s3/bucketLogging:BucketLogging", "logging", { targetPrefix: "ckpt/" }, { deps: { bucket: [bucket], targetBucket: [logs] } });
/** The log bucket's own settings, so that only the checkpoint bucket is under test. */
const logsSettings = [
  res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab-logs", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, { deps: { bucket: [logs] } }),
  res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "own-logs", { rule: { objectOwnership: "BucketOwnerEnforced" } }, { deps: { bucket: [logs] } }),
  res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse-logs", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { deps: { bucket: [logs] } }),
  res("aws:s3/bucketVersioning:BucketVersioning", "ver-logs", { versioningConfiguration: { status: "Enabled" } }, { deps: { bucket: [logs] } }),
  res("aws:s3/bucketPolicy:BucketPolicy", "pol-logs", { policy: JSON.stringify(tlsOnlyPolicy("arn:aws:s3:::logs")) }, { deps: { bucket: [logs] } }),
];
const extras = [own, logs, logging, ...logsSettings];

describe("s3-bucket-hardening (stack)", () => {
  const p = s3BucketHardening;
  it("passes a bucket joined to all four settings", async () => {
    expect(await check(p, [bucket, pab(allFlags), sse, ver, pol, ...extras])).toEqual([]);
  });

  it("flags a missing public-access flag, joined through the bucket dependency", async () => {
    expect(messages(await check(p, [bucket, pab({ ...allFlags, restrictPublicBuckets: false }), sse, ver, pol, ...extras]))).toEqual(["bucket ckpt: public access block pab-ckpt lacks restrictPublicBuckets"]);
  });

  it("does not credit a public access block that belongs to another bucket", async () => {
    const other = res("aws:s3/bucket:Bucket", "other", {});
    expect(messages(await check(p, [bucket, other, pab(allFlags, other), sse, ver, pol, ...extras])).filter((m) => m.startsWith("bucket ckpt"))).toEqual([
      "bucket ckpt: no public access block",
    ]);
  });

  it.each([
    ["encryption", [bucket, pab(allFlags), ver, pol], "bucket ckpt has no default encryption"],
    ["versioning", [bucket, pab(allFlags), sse, pol], "bucket ckpt is not versioned"],
    ["a TLS-only policy", [bucket, pab(allFlags), sse, ver], "bucket ckpt has no policy denying aws:SecureTransport=false"],
  ])("flags a bucket without %s", async (_, rs, message) => {
    expect(messages(await check(p, [...rs, ...extras]))).toEqual([message]);
  });
});

describe("s3-bucket-hardening: evasions and the prod config", () => {
  const p = s3BucketHardening;
  const base = [bucket, pab(allFlags), sse, ver, pol, ...extras];
  const without = (r: { urn: string }) => base.filter((x) => x.urn !== r.urn);

  it("flags a second, weaker public access block for the same bucket (the last one written wins)", async () => {
    const weak = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab-weak", { blockPublicAcls: true }, { deps: { bucket: [bucket] } });
    expect(messages(await check(p, [...base, weak]))).toEqual([
      "bucket ckpt has 2 public access block resources (pab-ckpt, pab-weak); S3 keeps one, so they overwrite each other",
      "bucket ckpt: public access block pab-weak lacks blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets",
    ]);
  });

  it("does not combine two partial access blocks into a full one", async () => {
    const a = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "a", { blockPublicAcls: true, blockPublicPolicy: true }, { deps: { bucket: [bucket] } });
    const b = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b", { ignorePublicAcls: true, restrictPublicBuckets: true }, { deps: { bucket: [bucket] } });
    expect(messages(await check(p, [...without(pab(allFlags)), a, b])).filter((m) => m.includes("lacks"))).toHaveLength(2);
  });

  it("flags suspended versioning beside an enabled one, and a second policy without the TLS deny", async () => {
    const suspended = res("aws:s3/bucketVersioning:BucketVersioning", "ver2", { versioningConfiguration: { status: "Suspended" } }, { deps: { bucket: [bucket] } });
    expect(messages(await check(p, [...base, suspended]))).toEqual(expect.arrayContaining(["bucket ckpt is not versioned"]));
    const open = res("aws:s3/bucketPolicy:BucketPolicy", "pol2", { policy: JSON.stringify({ Statement: [] }) }, { deps: { bucket: [bucket] } });
    expect(messages(await check(p, [...base, open]))).toEqual(expect.arrayContaining(["bucket ckpt has no policy denying aws:SecureTransport=false"]));
  });

  it("requires ACLs disabled: no ownership controls, or ObjectWriter, fails", async () => {
    expect(messages(await check(p, without(own)))).toEqual([expect.stringContaining("ACLs are not disabled")]);
    const writer = res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "own", { rule: { objectOwnership: "ObjectWriter" } }, { deps: { bucket: [bucket] } });
    expect(messages(await check(p, [...without(own), writer]))).toEqual([expect.stringContaining("ACLs are not disabled")]);
  });

  it("requires access logging to another bucket, and accepts the log target without logging of its own", async () => {
    expect(messages(await check(p, without(logging))).filter((m) => m.startsWith("bucket ckpt"))).toEqual(["bucket ckpt has no server access logging"]);
    const self = res("aws:s3/bucketLogging:BucketLogging", "logging", { targetPrefix: "x/" }, { deps: { bucket: [bucket], targetBucket: [bucket] } });
    expect(messages(await check(p, [...without(logging), self])).filter((m) => m.startsWith("bucket ckpt"))).toEqual([expect.stringContaining("logs its own access into itself")]);
  });

  it("makes the KMS claim true where the config requires it: AES256 fails, aws:kms passes, log targets keep SSE-S3", async () => {
    expect(messages(await check(p, base, { requireKms: true }))).toEqual([expect.stringContaining("this stack requires SSE-KMS")]);
    const kms = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-central-1:123456789012:key/1" } }] }, { deps: { bucket: [bucket] } });
    expect(await check(p, [...without(sse), kms], { requireKms: true })).toEqual([]);
    const kmsLogs = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse-logs", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }, { deps: { bucket: [logs] } });
    expect(messages(await check(p, [...without(sse).filter((r) => r.name !== "sse-logs"), kms, kmsLogs], { requireKms: true }))).toEqual(["bucket logs receives server access logs, so its default encryption must be SSE-S3 (AES256); got aws:kms"]);
  });
});

describe("s3-no-public-grants", () => {
  const p = s3NoPublicGrants;
  const policy = (statement: unknown) => res("aws:s3/bucketPolicy:BucketPolicy", "bp", { policy: JSON.stringify({ Statement: [statement] }) });
  it.each([
    ["Principal *", { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
    ["Principal AWS *", { Sid: "Open", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" }],
    ["Principal * with a condition that pins nothing", { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { StringLike: { "aws:SourceArn": "*" } } }],
    ["Principal * from the whole internet by IP", { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } } }],
    ["NotPrincipal", { Sid: "Open", Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
  ])("flags a bucket policy with %s", async (_, st) => {
    expect(messages(await check(p, policy(st)))).toEqual([expect.stringContaining("statement Open allows")]);
  });

  it("passes the TLS-only deny and a service grant pinned by source ARN and account", async () => {
    expect(await check(p, pol)).toEqual([]);
    expect(await check(p, policy({ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::logs/*", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::ckpt" }, StringEquals: { "aws:SourceAccount": "123456789012" } } }))).toEqual([]);
    expect(await check(p, policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } }))).toEqual([]);
  });

  it.each([
    ["a public canned ACL resource", "aws:s3/bucketAcl:BucketAcl", { bucket: "b", acl: "public-read" }],
    ["authenticated-read", "aws:s3/bucketAcl:BucketAcl", { bucket: "b", acl: "authenticated-read" }],
    ["a grant to AllUsers", "aws:s3/bucketAcl:BucketAcl", { bucket: "b", accessControlPolicy: { owner: { id: "o" }, grants: [{ permission: "READ", grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" } }] } }],
    ["a grant to AuthenticatedUsers on the inline bucket", "aws:s3/bucket:Bucket", { grants: [{ type: "Group", permissions: ["WRITE"], uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }] }],
    ["an inline canned ACL", "aws:s3/bucket:Bucket", { acl: "public-read-write" }],
    ["an inline public policy", "aws:s3/bucket:Bucket", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }) }],
    ["a public object ACL", "aws:s3/bucketObjectv2:BucketObjectv2", { bucket: "b", key: "models/x", acl: "public-read" }],
  ])("flags %s", async (_, type, inputs) => {
    expect(messages(await check(p, res(type, "x", inputs)))).toHaveLength(1);
  });
});

describe("gcs-bucket-hardening", () => {
  const ok = { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true } };
  it("passes a hardened bucket and flags each missing setting", async () => {
    expect(await check(gcsBucketHardening, res("gcp:storage/bucket:Bucket", "b", ok))).toEqual([]);
    expect(messages(await check(gcsBucketHardening, res("gcp:storage/bucket:Bucket", "b", { ...ok, uniformBucketLevelAccess: false })))).toEqual(["b: uniformBucketLevelAccess must be true"]);
    expect(messages(await check(gcsBucketHardening, res("gcp:storage/bucket:Bucket", "b", { ...ok, publicAccessPrevention: "inherited" })))).toEqual(['b: publicAccessPrevention is inherited; need "enforced"']);
    expect(messages(await check(gcsBucketHardening, res("gcp:storage/bucket:Bucket", "b", { ...ok, versioning: undefined })))).toEqual(["b: versioning must be enabled"]);
  });
});

describe("gcs-no-public-members: every route to public", () => {
  it.each([
    ["a bucket access control", "gcp:storage/bucketAccessControl:BucketAccessControl", { bucket: "b", entity: "allUsers", role: "READER" }],
    ["a default object access control", "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl", { bucket: "b", entity: "allAuthenticatedUsers", role: "READER" }],
    ["an object access control", "gcp:storage/objectAccessControl:ObjectAccessControl", { bucket: "b", object: "o", entity: "allUsers", role: "READER" }],
    ["a bucket ACL resource", "gcp:storage/bucketACL:BucketACL", { bucket: "b", roleEntities: ["OWNER:project-owners-1", "READER:allUsers"] }],
    ["a predefined public bucket ACL", "gcp:storage/bucketACL:BucketACL", { bucket: "b", predefinedAcl: "publicRead" }],
    ["a public default object ACL", "gcp:storage/bucketACL:BucketACL", { bucket: "b", defaultAcl: "publicRead" }],
    ["a default object ACL resource", "gcp:storage/defaultObjectACL:DefaultObjectACL", { bucket: "b", roleEntities: ["READER:allAuthenticatedUsers"] }],
    ["an object ACL resource", "gcp:storage/objectACL:ObjectACL", { bucket: "b", object: "o", predefinedAcl: "publicReadWrite" }],
    ["a project-level member", "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/storage.objectViewer", member: "allUsers" }],
    ["a project-level binding", "gcp:projects/iAMBinding:IAMBinding", { project: "p", role: "roles/viewer", members: ["allAuthenticatedUsers"] }],
    ["a secret accessor for everyone", "gcp:secretmanager/secretIamMember:SecretIamMember", { secretId: "s", role: "roles/secretmanager.secretAccessor", member: "allUsers" }],
    ["a folder policy", "gcp:folder/iAMPolicy:IAMPolicy", { folder: "folders/1", policyData: JSON.stringify({ bindings: [{ role: "roles/browser", members: ["allUsers"] }] }) }],
    ["an unreadable bucket policy", "gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { bucket: "b", policyData: "{" }],
  ])("flags %s", async (_, type, inputs) => {
    expect(messages(await check(gcsNoPublicMembers, res(type, "x", inputs)))).not.toEqual([]);
  });
});

describe("gcs-data-access-logged (stack)", () => {
  const p = gcsDataAccessLogged;
  const b = res("gcp:storage/bucket:Bucket", "ckpt", { project: "acme" });
  const audit = (configs: unknown[], project = "acme", service = "storage.googleapis.com") => res("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit", { project, service, auditLogConfigs: configs });
  it("passes DATA_READ and DATA_WRITE audit logs for storage (or allServices) in the bucket's project", async () => {
    expect(await check(p, [b, audit([{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }])])).toEqual([]);
    expect(await check(p, [b, audit([{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }, { logType: "ADMIN_READ" }], "acme", "allServices")])).toEqual([]);
  });
  it.each([
    ["no audit config", []],
    ["only DATA_WRITE", [audit([{ logType: "DATA_WRITE" }])]],
    ["another project's audit config", [audit([{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }], "other")]],
    ["another service's audit config", [audit([{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }], "acme", "compute.googleapis.com")]],
  ])("flags a bucket with %s", async (_, extra) => {
    expect(messages(await check(p, [b, ...extra]))).toEqual([expect.stringContaining("data access is not logged")]);
  });
  it("flags exempted members, and usage logs into the bucket itself", async () => {
    expect(messages(await check(p, [b, audit([{ logType: "DATA_READ", exemptedMembers: ["user:ops@acme.example"] }, { logType: "DATA_WRITE" }])]))).toEqual([expect.stringContaining("exempts user:ops@acme.example")]);
    const self = res("gcp:storage/bucket:Bucket", "self", { name: "self-logs", logging: { logBucket: "self-logs" } });
    expect(messages(await check(p, [self]))).toEqual([expect.stringContaining("into itself")]);
  });
});

describe("gcs-no-public-members", () => {
  it("passes a service account and flags allUsers and allAuthenticatedUsers", async () => {
    expect(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMMember:BucketIAMMember", "m", { role: "roles/storage.objectViewer", member: "serviceAccount:a@p.iam.gserviceaccount.com" }))).toEqual([]);
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMMember:BucketIAMMember", "m", { role: "roles/storage.objectViewer", member: "allUsers" })))).toHaveLength(1);
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMBinding:BucketIAMBinding", "b", { role: "roles/storage.objectViewer", members: ["user:a@b.c", "allAuthenticatedUsers"] })))).toEqual(["b grants roles/storage.objectViewer to allAuthenticatedUsers"]);
    const policyData = JSON.stringify({ bindings: [{ role: "roles/storage.admin", members: ["allUsers"] }] });
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "p", { policyData })))).toEqual(["p grants roles/storage.admin to allUsers"]);
  });
});
