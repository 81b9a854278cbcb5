import { describe, expect, it } from "vitest";
import { iamNoAdminGrants, iamNoWildcards, iamUserKeysPinned } from "../../policies/iam";
import { check, messages, res } from "./harness";

const doc = (Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("iam-no-wildcards", () => {
  const p = iamNoWildcards;
  it("passes exact actions and named resources (a prefix under a bucket, an ASG by name), and wildcards in Deny statements", async () => {
    const policy = doc([
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/models/*"] },
      { Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction"], Resource: ["arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:*:autoScalingGroupName/pool"] },
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["arn:aws:ssm:eu-central-1:123456789012:parameter/app/*"] },
      { Effect: "Deny", Action: "s3:*", Resource: "*" },
    ]);
    expect(await check(p, res("aws:iam/rolePolicy:RolePolicy", "p", { policy }))).toEqual([]);
  });

  it.each([
    ["Action *", { Effect: "Allow", Action: "*", Resource: ["arn:aws:s3:::b"] }, "allows wildcard action *"],
    ["Action s3:*", { Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::b"] }, "allows wildcard action s3:*"],
    ["a partial wildcard s3:Get*", { Effect: "Allow", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b/*"] }, "allows wildcard action s3:Get*"],
    ["iam:Pass*", { Effect: "Allow", Action: "iam:Pass*", Resource: ["arn:aws:iam::123456789012:role/x"] }, "allows wildcard action iam:Pass*"],
    ["a ? wildcard", { Effect: "Allow", Action: ["iam:PassRol?"], Resource: ["arn:aws:iam::123456789012:role/x"] }, "allows wildcard action iam:PassRol?"],
    ["a wildcard in the middle", { Effect: "Allow", Action: ["s3:*Object"], Resource: ["arn:aws:s3:::b/*"] }, "allows wildcard action s3:*Object"],
    ["Resource *", { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" }, "allows actions on resource *"],
    ["every bucket", { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*/*"] }, "resource arn:aws:s3:::*/*"],
    ["every role", { Effect: "Allow", Action: ["iam:PassRole"], Resource: ["arn:aws:iam::123456789012:role/*"] }, "resource arn:aws:iam::123456789012:role/*"],
    ["any account", { Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["arn:aws:kms:eu-central-1:*:key/1"] }, "arn:aws:kms:eu-central-1:*:key/1"],
    ["a wildcard service", { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:*:::b"] }, "arn:aws:*:::b"],
    ["a resource that is not an ARN", { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["**"] }, "resource **"],
    ["no resource at all", { Effect: "Allow", Action: ["s3:GetObject"] }, "without naming a resource"],
    ["NotAction", { Effect: "Allow", NotAction: ["iam:*"], Resource: ["arn:aws:s3:::b"] }, "allows NotAction"],
    ["NotResource", { Effect: "Allow", Action: ["s3:GetObject"], NotResource: ["arn:aws:s3:::private/*"] }, "allows NotResource"],
  ])("flags %s", async (_, statement, message) => {
    expect(messages(await check(p, res("aws:iam/policy:Policy", "p", { policy: doc([statement]) })))).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it("reads every identity-policy carrier: user, group and inline role policies", async () => {
    const bad = doc([{ Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::b/*" }]);
    for (const type of ["aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]) expect(messages(await check(p, res(type, "x", { policy: bad })))).toHaveLength(1);
    const role = res("aws:iam/role:Role", "r", { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]), inlinePolicies: [{ name: "inline", policy: bad }] });
    expect(messages(await check(p, role))).toEqual(["r: inline policy inline allows wildcard action s3:Get*"]);
  });

  it("flags an unreadable document instead of passing it", async () => {
    expect(messages(await check(p, res("aws:iam/policy:Policy", "p", { policy: "{not json" })))).toEqual(["p: policy is not a readable policy document"]);
  });

  it.each([
    ["Principal *", { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }, "any principal"],
    ["Principal AWS *", { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }, "any principal"],
    ["Principal AWS [*] among others", { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::123456789012:role/ci", "*"] }, Action: "sts:AssumeRole" }, "any principal"],
    ["a whole account", { Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: "sts:AssumeRole" }, "every principal of account"],
    ["a bare account id", { Effect: "Allow", Principal: { AWS: "210987654321" }, Action: "sts:AssumeRole" }, "every principal of account"],
    ["a wildcard role", { Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:role/*" }, Action: "sts:AssumeRole" }, "wildcard principal"],
    ["NotPrincipal", { Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }, "any principal"],
  ])("flags a trust policy with %s", async (_, statement, message) => {
    expect(messages(await check(p, res("aws:iam/role:Role", "r", { assumeRolePolicy: doc([statement]) })))).toEqual([expect.stringContaining(message)]);
  });

  it("passes a service trust, and an account trust pinned by sts:ExternalId", async () => {
    expect(await check(p, res("aws:iam/role:Role", "r", { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } }]) }))).toEqual([]);
    expect(await check(p, res("aws:iam/role:Role", "r", { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { AWS: "210987654321" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "x" } } }]) }))).toEqual([]);
  });

  it("flags a KMS key policy open to anyone, unless a condition pins the callers", async () => {
    const open = doc([{ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }]);
    expect(messages(await check(p, res("aws:kms/key:Key", "k", { policy: open })))).toEqual([expect.stringContaining("statement Anyone lets any principal use the key")]);
    expect(messages(await check(p, res("aws:kms/keyPolicy:KeyPolicy", "kp", { policy: open })))).toHaveLength(1);
    const likeAny = doc([{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringLike: { "aws:SourceAccount": "*" } } }]);
    expect(messages(await check(p, res("aws:kms/key:Key", "k", { policy: likeAny })))).toHaveLength(1);
    const pinned = doc([{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": "ssm.eu-central-1.amazonaws.com" } } }]);
    expect(await check(p, res("aws:kms/key:Key", "k", { policy: pinned }))).toEqual([]);
  });
});

describe("iam-no-admin-grants", () => {
  const p = iamNoAdminGrants;
  it.each([
    ["RolePolicyAttachment", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
    ["UserPolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "u", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" }],
    ["GroupPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", { group: "g", policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" }],
    ["PolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", { roles: ["r"], policyArn: "arn:aws:iam::aws:policy/job-function/SystemAdministrator" }],
    ["a role's managedPolicyArns", "aws:iam/role:Role", { assumeRolePolicy: doc([]), managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }],
    ["a GovCloud partition", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess" }],
    ["GCP roles/owner by IAMMember", "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/owner", member: "serviceAccount:x" }],
    ["GCP roles/editor by IAMBinding", "gcp:projects/iAMBinding:IAMBinding", { project: "p", role: "roles/editor", members: ["user:a@b.c"] }],
    ["a GCP *Admin role", "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/storage.admin", member: "serviceAccount:x" }],
    ["a GCP security admin at folder level", "gcp:folder/iAMMember:IAMMember", { folder: "folders/1", role: "roles/iam.securityAdmin", member: "serviceAccount:x" }],
    ["GCP owner at organization level", "gcp:organizations/iAMBinding:IAMBinding", { orgId: "1", role: "roles/owner", members: ["group:g@x"] }],
    ["GCP owner in an IAMPolicy", "gcp:projects/iAMPolicy:IAMPolicy", { project: "p", policyData: JSON.stringify({ bindings: [{ role: "roles/viewer", members: ["x"] }, { role: "roles/owner", members: ["y"] }] }) }],
    ["service account user at project level", "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/iam.serviceAccountUser", member: "user:a@b.c" }],
    ["token creator at project level", "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/iam.serviceAccountTokenCreator", member: "user:a@b.c" }],
  ])("flags %s", async (_, type, inputs) => {
    expect(messages(await check(p, res(type, "x", inputs)))).toHaveLength(1);
  });

  it("passes narrow roles and customer policies, and takes the lists from config", async () => {
    expect(await check(p, res("gcp:projects/iAMMember:IAMMember", "x", { project: "p", role: "roles/logging.logWriter", member: "serviceAccount:x" }))).toEqual([]);
    expect(await check(p, res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "x", { role: "r", policyArn: "arn:aws:iam::123456789012:policy/AdministratorAccess" }))).toEqual([]);
    expect(await check(p, res("gcp:storage/bucketIAMMember:BucketIAMMember", "x", { bucket: "b", role: "roles/storage.admin", member: "serviceAccount:x" }))).toEqual([]);
    expect(messages(await check(p, res("gcp:projects/iAMMember:IAMMember", "x", { project: "p", role: "roles/logging.logWriter", member: "x" }), { forbiddenGcpRoles: ["roles/logging.*"] }))).toHaveLength(1);
  });
});

describe("iam-user-keys-pinned (stack)", () => {
  const p = iamUserKeysPinned;
  const user = res("aws:iam/user:User", "reader", {});
  const key = res("aws:iam/accessKey:AccessKey", "reader-key", { user: "reader" }, { deps: { user: [user] } });
  const group = res("aws:iam/group:Group", "readers", {});
  const member = res("aws:iam/userGroupMembership:UserGroupMembership", "m", { user: "reader", groups: ["readers"] }, { deps: { user: [user], groups: [group] } });
  const groupPolicy = (Condition?: unknown) => res("aws:iam/groupPolicy:GroupPolicy", "gp", { group: "readers", policy: doc([{ Sid: "ReadModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/models/*"], ...(Condition ? { Condition } : {}) }]) }, { deps: { group: [group] } });

  it("passes a keyed user whose group policy is pinned to source addresses", async () => {
    expect(await check(p, [user, key, group, member, groupPolicy({ IpAddress: { "aws:SourceIp": ["198.51.100.7/32", "2001:db8:1:2::/64"] } })])).toEqual([]);
  });

  it.each([
    ["no condition", undefined],
    ["a world-wide condition", { IpAddress: { "aws:SourceIp": ["0.0.0.0/0"] } }],
    ["two halves of IPv4", { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } }],
    ["a /8", { IpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } }],
    ["NotIpAddress instead of IpAddress", { NotIpAddress: { "aws:SourceIp": ["198.51.100.7/32"] } }],
  ])("flags a keyed user whose Allow has %s", async (_, cond) => {
    expect(messages(await check(p, [user, key, group, member, groupPolicy(cond)]))).toEqual([expect.stringContaining("statement ReadModels is not pinned")]);
  });

  it("follows an attached customer policy through a GroupPolicyAttachment", async () => {
    const pol = res("aws:iam/policy:Policy", "pol", { policy: doc([{ Sid: "Open", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/models/*"] }]) });
    const att = res("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "att", { group: "readers", policyArn: "arn" }, { deps: { group: [group], policyArn: [pol] } });
    expect(messages(await check(p, [user, key, group, member, pol, att]))).toEqual([expect.stringContaining("statement Open is not pinned")]);
  });

  it("flags policies on users, users outside groups and console passwords", async () => {
    const up = res("aws:iam/userPolicy:UserPolicy", "up", { user: "reader", policy: doc([]) }, { deps: { user: [user] } });
    const upa = res("aws:iam/userPolicyAttachment:UserPolicyAttachment", "upa", { user: "reader", policyArn: "arn" }, { deps: { user: [user] } });
    const pa = res("aws:iam/policyAttachment:PolicyAttachment", "pa", { users: ["reader"], policyArn: "arn" });
    const login = res("aws:iam/userLoginProfile:UserLoginProfile", "login", { user: "reader" });
    const v = messages(await check(p, [user, key, up, upa, pa, login]));
    expect(v).toEqual(expect.arrayContaining([
      expect.stringContaining("up: UserPolicy attaches a policy directly to a user"),
      expect.stringContaining("upa: UserPolicyAttachment"),
      expect.stringContaining("pa: PolicyAttachment names users"),
      expect.stringContaining("console password"),
      expect.stringContaining("belongs to no group"),
    ]));
  });
});
