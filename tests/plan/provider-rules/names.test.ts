import { describe, expect, it } from "vitest";
import { imagesIn, nodeImagePublished } from "../../../plan/provider-rules/fleet";
import { autonamingMaxLength, handNameLimits, sdkDocumentedNameLimits } from "../../../plan/provider-rules/names";
import publish from "../../../inference-image/publish.json";
import { problems, res, run } from "./harness";

describe("names as the providers check them", () => {
  it("autoname-max-length: a target group autonamed past 32 characters fails at preview, naming the autonamer", () => {
    expect(problems(autonamingMaxLength, res("aws:lb/targetGroup:TargetGroup", "hi-staging-burst"))).toEqual([]);
    const [e] = run(autonamingMaxLength, res("aws:lb/targetGroup:TargetGroup", "hybrid-inference-staging-aws-burst-tg"));
    expect(e).toMatchObject({ phase: "preview", field: "name", message: expect.stringContaining("plus 7 random chars is longer than maximum length 32"), source: expect.stringContaining("pulumi-aws provider/aliases.go") });
  });

  it("sdk-documented-name-limits: the load balancer's documented 32 characters, with the doc it came from", () => {
    expect(problems(sdkDocumentedNameLimits, res("aws:lb/loadBalancer:LoadBalancer", "hi-staging-burst"))).toEqual([]);
    const [e] = run(sdkDocumentedNameLimits, res("aws:lb/loadBalancer:LoadBalancer", "hybrid-inference-staging-aws-burst-nlb"));
    expect(e?.message).toBe("name is 46 characters, longer than 32");
    expect(e?.source).toMatch(/^@pulumi\/aws 7\.\d+\.\d+ LoadBalancerArgs\.name: ".*can have a maximum of 32 characters/);
    expect(problems(sdkDocumentedNameLimits, res("gcp:compute/firewall:Firewall", "Burst_SSH"))).toEqual(["name is not an RFC 1035 label: a lowercase letter first, then lowercase letters, digits or hyphens, not ending with a hyphen"]);
    expect(problems(sdkDocumentedNameLimits, res("gcp:serviceaccount/account:Account", "n", { accountId: "hi-a" }))).toEqual(["accountId is 4 characters, shorter than 6"]);
  });

  it("provider-name-limits: validators the SDK docs do not state", () => {
    expect(problems(handNameLimits, res("aws:iam/role:Role", "r".repeat(57)))).toEqual(["name is 65 characters, longer than 64"]);
    expect(problems(handNameLimits, res("aws:lb/loadBalancer:LoadBalancer", "internal-api"))).toEqual(['name must not begin with "internal-"']);
    expect(problems(handNameLimits, res("aws:ssm/parameter:Parameter", "k", { name: "ssm-key" }))).toEqual(["name must not begin with aws or ssm (case-insensitive)"]);
    expect(problems(handNameLimits, res("gcp:storage/bucket:Bucket", "b", { name: "my-google-models" }))).toEqual(['name must not contain "google"']);
    expect(run(handNameLimits, res("gcp:storage/bucket:Bucket", "b", { name: "Models" }))[0]?.phase).toBe("up");
  });
});

describe("node-image-published", () => {
  const script = (image: string) => `#!/usr/bin/env bash\nexport HI_IMAGE='${image}'\n`;
  const digest = `@sha256:${"a".repeat(64)}`;

  it("finds the image in a boot script and inside a base64 SSH install script", () => {
    const inner = script(`x/y${digest}`);
    expect(imagesIn(inner)).toEqual([`x/y${digest}`]);
    expect(imagesIn(`printf '%s' '${Buffer.from(inner).toString("base64")}' | base64 -d > /opt/x`)).toEqual([`x/y${digest}`]);
  });

  it("passes the published repository pinned by digest, and refuses others or a tag alone", () => {
    const lt = (image: string) => res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { userData: Buffer.from(script(image)).toString("base64") }, { secretKeys: ["userData"] });
    expect(problems(nodeImagePublished, lt(`${publish.repository}:v1${digest}`))).toEqual([]);
    expect(problems(nodeImagePublished, lt(`${publish.repository}:v1`))).toEqual([`the node image ${publish.repository}:v1 is not pinned by digest`]);
    expect(problems(nodeImagePublished, lt(`ghcr.io/other/server${digest}`))).toEqual([expect.stringContaining("the node pulls ghcr.io/other/server, which nothing in this project publishes")]);
  });
});
