import { describe, expect, it } from "vitest";
import { encryptedVolumes, gcpNodeIdentity, gcpOsLogin, imdsv2Required, noCredentialsInUserData } from "../../policies/compute";
import { check, messages, res } from "./harness";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const TPL = "gcp:compute/instanceTemplate:InstanceTemplate";

describe("imdsv2-required", () => {
  it("passes required tokens with hop limit 1", async () => {
    expect(await check(imdsv2Required, res(LT, "t", { metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } }))).toEqual([]);
  });
  it("flags optional tokens, an unset block and a hop limit of 2", async () => {
    expect(messages(await check(imdsv2Required, res(LT, "t", { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } })))).toEqual([expect.stringContaining("httpTokens is optional")]);
    expect(messages(await check(imdsv2Required, res(LT, "t", {})))).toHaveLength(2);
    expect(messages(await check(imdsv2Required, res("aws:ec2/instance:Instance", "i", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })))).toEqual([expect.stringContaining("HopLimit is 2")]);
  });
});

describe("encrypted-volumes", () => {
  it("passes a launch template whose encrypted is the string \"true\"", async () => {
    expect(await check(encryptedVolumes, res(LT, "t", { blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { encrypted: "true" } }] }))).toEqual([]);
  });
  it("flags \"false\", an unset value and a template with no mapping", async () => {
    expect(messages(await check(encryptedVolumes, res(LT, "t", { blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { encrypted: "false" } }] })))).toEqual(["t: /dev/sda1 is not encrypted (encrypted=false)"]);
    expect(messages(await check(encryptedVolumes, res(LT, "t", { blockDeviceMappings: [{ deviceName: "/dev/sdb", ebs: { volumeSize: 10 } }] })))).toEqual(["t: /dev/sdb is not encrypted (encrypted=unset)"]);
    expect(messages(await check(encryptedVolumes, res(LT, "t", {})))).toEqual([expect.stringContaining("no block device mapping")]);
  });
  it("checks instances and standalone volumes", async () => {
    expect(messages(await check(encryptedVolumes, res("aws:ec2/instance:Instance", "i", { rootBlockDevice: { encrypted: false } })))).toEqual(["i: root volume is not encrypted"]);
    expect(messages(await check(encryptedVolumes, res("aws:ebs/volume:Volume", "v", {})))).toEqual(["v: volume is not encrypted"]);
  });
});

describe("gcp-node-identity", () => {
  const sa = { email: "hi-staging-burst@p.iam.gserviceaccount.com", scopes: ["https://www.googleapis.com/auth/devstorage.read_only"] };
  it("passes a dedicated account with narrow scopes", async () => {
    expect(await check(gcpNodeIdentity, res(TPL, "t", { serviceAccount: sa }))).toEqual([]);
  });
  it("flags the default compute account, a missing account, and the default account with the cloud-platform scope", async () => {
    expect(messages(await check(gcpNodeIdentity, res(TPL, "t", { serviceAccount: { ...sa, email: "123-compute@developer.gserviceaccount.com" } })))).toEqual(["t uses the default compute service account"]);
    expect(messages(await check(gcpNodeIdentity, res("gcp:compute/instance:Instance", "i", {})))).toEqual(["i uses the default compute service account"]);
    expect(messages(await check(gcpNodeIdentity, res(TPL, "t", { serviceAccount: { email: "default", scopes: ["cloud-platform"] } })))).toEqual([expect.stringContaining("with the cloud-platform scope")]);
  });

  it("allows the cloud-platform scope with a dedicated account (Google's recommendation: IAM decides)", async () => {
    expect(await check(gcpNodeIdentity, res(TPL, "t", { serviceAccount: { ...sa, scopes: ["https://www.googleapis.com/auth/cloud-platform"] } }))).toEqual([]);
  });
});

describe("gcp-os-login-no-serial", () => {
  const md = { "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "serial-port-enable": "FALSE" };
  it("passes and flags each setting", async () => {
    expect(await check(gcpOsLogin, res(TPL, "t", { metadata: md }))).toEqual([]);
    expect(messages(await check(gcpOsLogin, res(TPL, "t", { metadata: { ...md, "enable-oslogin": "FALSE" } })))).toEqual(["t: metadata enable-oslogin is not TRUE"]);
    expect(messages(await check(gcpOsLogin, res(TPL, "t", { metadata: { ...md, "serial-port-enable": "true" } })))).toEqual(["t: the serial port is enabled"]);
    expect(messages(await check(gcpOsLogin, res(TPL, "t", {})))).toHaveLength(2);
  });
});

describe("no-credentials-in-user-data", () => {
  const script = (extra: string) => `#!/usr/bin/env bash\nexport HI_CLOUD='aws'\n${extra}\n`;
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  it("passes a boot script that fetches its key at boot", async () => {
    expect(await check(noCredentialsInUserData, res(LT, "t", { userData: b64(script("export HI_API_KEY_SOURCE='aws-ssm:/k:1'")) }))).toEqual([]);
  });
  it.each([
    ["an AWS access key id in a launch template (base64)", LT, { userData: b64(script("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")) }],
    ["a secret key assignment on an instance", "aws:ec2/instance:Instance", { userData: script("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") }],
    ["a private key in a GCP startup script", TPL, { metadataStartupScript: script("cat > k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nEOF") }],
    ["a token in GCP startup-script metadata", "gcp:compute/instance:Instance", { metadata: { "startup-script": script(`TOKEN=ghp_${"x".repeat(36)}`) } }],
  ])("flags %s", async (_, type, inputs) => {
    expect(messages(await check(noCredentialsInUserData, res(type, "x", inputs)))).not.toEqual([]);
  });
});
