import { describe, expect, it } from "vitest";
import { awsTags, asgTags, gcpLabels, hcloudLabels } from "../../infra/naming";
import { requiredLabels, tagsPropagate } from "../../policies/labels";
import { check, messages, res, UNKNOWN } from "./harness";

const ctx = { project: "hybrid-inference", stack: "staging", owner: "platform-team", costCenter: "ml-inference" };

describe("required-labels", () => {
  const p = requiredLabels;

  it("passes resources labelled through infra/naming.ts on all three clouds", async () => {
    const rs = [
      res("aws:ec2/subnet:Subnet", "s", { tags: awsTags(ctx, "net") }),
      res("aws:autoscaling/group:Group", "asg", { tags: asgTags(awsTags(ctx, "burst")) }),
      res("gcp:storage/bucket:Bucket", "b", { labels: gcpLabels(ctx, "checkpoints") }),
      res("hcloud:index/server:Server", "n", { labels: hcloudLabels(ctx, "base") }),
    ];
    expect(await check(p, rs)).toEqual([]);
  });

  it("ignores types that take no labels", async () => {
    expect(await check(p, res("aws:iam/rolePolicy:RolePolicy", "rp", { policy: "{}" }))).toEqual([]);
    expect(await check(p, res("gcp:compute/firewall:Firewall", "fw", {}))).toEqual([]);
  });

  it("flags a resource that takes tags but has none", async () => {
    expect(messages(await check(p, res("aws:ec2/vpc:Vpc", "v", { cidrBlock: "10.0.0.0/16" })))).toEqual([expect.stringMatching(/^v has no tags; required: project, stack/)]);
  });

  it("names the missing labels", async () => {
    const labels = { ...gcpLabels(ctx, "x") } as Record<string, string>;
    delete labels.owner;
    delete labels["cost-center"];
    expect(messages(await check(p, res("gcp:storage/bucket:Bucket", "b", { labels })))).toEqual(["b lacks labels: owner, cost-center"]);
  });

  it("flags labels that break the cloud's syntax", async () => {
    const gcp = messages(await check(p, res("gcp:storage/bucket:Bucket", "b", { labels: { ...gcpLabels(ctx, "x"), Team: "ML" } })));
    expect(gcp).toEqual(["b: labels Team=ML is not valid gcp syntax"]);
    const hc = messages(await check(p, res("hcloud:index/server:Server", "n", { labels: { ...hcloudLabels(ctx, "x"), pool: "-x-" } })));
    expect(hc).toEqual(["n: labels pool=-x- is not valid hcloud syntax"]);
  });

  it("reads the required set from config", async () => {
    expect(messages(await check(p, res("aws:ec2/vpc:Vpc", "v", { tags: awsTags(ctx, "x") }), { requiredLabels: ["team"] }))).toEqual(["v lacks tags: team"]);
  });

  it("reports unknown labels as not checkable", async () => {
    expect((await check(p, res("aws:ec2/vpc:Vpc", "v", { tags: UNKNOWN.object })))[0]?.kind).toBe("not-checkable");
  });
});

describe("asg-tags-propagate", () => {
  it("passes propagated tags and templates that tag instances and volumes", async () => {
    const asg = res("aws:autoscaling/group:Group", "g", { tags: asgTags({ a: "b" }) });
    const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "t", { tagSpecifications: [{ resourceType: "instance" }, { resourceType: "volume" }] });
    expect(await check(tagsPropagate, [asg, lt])).toEqual([]);
  });

  it("flags a tag that does not propagate and a template that does not tag volumes", async () => {
    const asg = res("aws:autoscaling/group:Group", "g", { tags: [{ key: "owner", value: "x", propagateAtLaunch: false }] });
    const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "t", { tagSpecifications: [{ resourceType: "instance" }] });
    expect(messages(await check(tagsPropagate, [asg, lt]))).toEqual(["g: tags not propagated at launch: owner", "t: no tagSpecifications for volume"]);
  });
});
