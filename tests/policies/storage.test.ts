import { describe, expect, it } from "vitest";
import { tlsOnlyPolicy } from "../../infra/storage/s3-checkpoints";
import { gcsBucketHardening, gcsNoPublicMembers, s3BucketHardening } from "../../policies/storage";
import { check, messages, res } from "./harness";

const bucket = res("aws:s3/bucket:Bucket", "ckpt", {});
const pab = (flags: Record<string, boolean>, b = bucket) => res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `pab-${b.name}`, flags, { deps: { bucket: [b] } });
const allFlags = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const sse = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { deps: { bucket: [bucket] } });
const ver = res("aws:s3/bucketVersioning:BucketVersioning", "ver", { versioningConfiguration: { status: "Enabled" } }, { deps: { bucket: [bucket] } });
const pol = res("aws:s3/bucketPolicy:BucketPolicy", "pol", { policy: JSON.stringify(tlsOnlyPolicy("arn:aws:s3:::ckpt")) }, { deps: { bucket: [bucket] } });

describe("s3-bucket-hardening (stack)", () => {
  const p = s3BucketHardening;
  it("passes a bucket joined to all four settings", async () => {
    expect(await check(p, [bucket, pab(allFlags), sse, ver, pol])).toEqual([]);
  });

  it("flags a missing public-access flag, joined through the bucket dependency", async () => {
    expect(messages(await check(p, [bucket, pab({ ...allFlags, restrictPublicBuckets: false }), sse, ver, pol]))).toEqual(["bucket ckpt: public access block lacks restrictPublicBuckets"]);
  });

  it("does not credit a public access block that belongs to another bucket", async () => {
    const other = res("aws:s3/bucket:Bucket", "other", {});
    expect(messages(await check(p, [bucket, other, pab(allFlags, other), sse, ver, pol])).filter((m) => m.startsWith("bucket ckpt"))).toEqual([
      "bucket ckpt: public access block lacks blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets",
    ]);
  });

  it.each([
    ["encryption", [bucket, pab(allFlags), ver, pol], "bucket ckpt has no default encryption"],
    ["versioning", [bucket, pab(allFlags), sse, pol], "bucket ckpt is not versioned"],
    ["a TLS-only policy", [bucket, pab(allFlags), sse, ver], "bucket ckpt has no policy denying aws:SecureTransport=false"],
  ])("flags a bucket without %s", async (_, rs, message) => {
    expect(messages(await check(p, rs))).toEqual([message]);
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

describe("gcs-no-public-members", () => {
  it("passes a service account and flags allUsers and allAuthenticatedUsers", async () => {
    expect(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMMember:BucketIAMMember", "m", { role: "roles/storage.objectViewer", member: "serviceAccount:a@p.iam.gserviceaccount.com" }))).toEqual([]);
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMMember:BucketIAMMember", "m", { role: "roles/storage.objectViewer", member: "allUsers" })))).toHaveLength(1);
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMBinding:BucketIAMBinding", "b", { role: "roles/storage.objectViewer", members: ["user:a@b.c", "allAuthenticatedUsers"] })))).toEqual(["b grants roles/storage.objectViewer to allAuthenticatedUsers"]);
    const policyData = JSON.stringify({ bindings: [{ role: "roles/storage.admin", members: ["allUsers"] }] });
    expect(messages(await check(gcsNoPublicMembers, res("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "p", { policyData })))).toEqual(["p grants roles/storage.admin to allUsers"]);
  });
});
