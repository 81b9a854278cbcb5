import fc from "fast-check";
import { MAX_STACK_NAME_LENGTH } from "../../infra/stack-config";
import { describe, expect, it } from "vitest";
import {
  AWS_LB_LOGICAL_MAX, awsLbLogicalName, asgTags, awsTags, baseLabels, gcpAccountId, gcpLabels, gcpName, hcloudLabels, isValidAwsTag, isValidGcpLabel, isValidHcloudLabel,
  REQUIRED_LABEL_KEYS, resourceName,
} from "../../infra/naming";

const ctx = { project: "hybrid-inference", stack: "staging", owner: "platform-team", costCenter: "ml-inference" };

describe("naming", () => {
  it("names resources <project>-<stack>-<component>", () => {
    expect(resourceName(ctx, "aws-burst")).toBe("hybrid-inference-staging-aws-burst");
    expect(resourceName(ctx, "base", "lb")).toBe("hybrid-inference-staging-base-lb");
  });

  it("carries every required label, with managed-by pulumi", () => {
    const labels = baseLabels(ctx, "base");
    expect(Object.keys(labels).sort()).toEqual([...REQUIRED_LABEL_KEYS].sort());
    expect(labels["managed-by"]).toBe("pulumi");
    expect(labels.environment).toBe("staging");
  });

  it("renders GCP labels within GCP's rules", () => {
    const labels = gcpLabels({ ...ctx, owner: "Platform Team!" }, "gcp-burst", { "Model.Name": "Qwen2.5-7B" });
    for (const [k, v] of Object.entries(labels)) expect(isValidGcpLabel(k, v), `${k}=${v}`).toBe(true);
    expect(labels.owner).toBe("platform-team-");
    expect(labels.model_name).toBe("qwen2-5-7b");
  });

  it("trims GCP label values to 63 characters", () => {
    expect(gcpLabels(ctx, "x", { long: "a".repeat(80) }).long).toHaveLength(63);
  });

  it("renders hcloud labels within hcloud's rules", () => {
    const labels = hcloudLabels(ctx, "base", { pool: "-weird value-" });
    for (const [k, v] of Object.entries(labels)) expect(isValidHcloudLabel(k, v), `${k}=${v}`).toBe(true);
    expect(labels.pool).toBe("weird-value");
  });

  it("validates label syntax per cloud", () => {
    expect(isValidGcpLabel("Owner", "x")).toBe(false);
    expect(isValidGcpLabel("owner", "X")).toBe(false);
    expect(isValidGcpLabel("1owner", "x")).toBe(false);
    expect(isValidHcloudLabel("hybrid.io/pool", "a.b_c")).toBe(true);
    expect(isValidHcloudLabel("pool", "-bad")).toBe(false);
    expect(isValidAwsTag("aws:reserved", "x")).toBe(false);
    expect(isValidAwsTag("Name", "hybrid inference (staging)")).toBe(false);
    expect(isValidAwsTag("Name", "hybrid inference staging")).toBe(true);
  });

  it("tags AWS resources with a Name and propagates every ASG tag at launch", () => {
    const tags = awsTags(ctx, "aws-burst");
    expect(tags.Name).toBe("hybrid-inference-staging-aws-burst");
    const asg = asgTags(tags);
    expect(asg).toHaveLength(Object.keys(tags).length);
    expect(asg.every((t) => t.propagateAtLaunch)).toBe(true);
  });

  it("builds GCP names and service account ids within their limits", () => {
    expect(gcpName("Hybrid_Inference--Staging-")).toBe("hybrid-inference-staging");
    const id = gcpAccountId({ stack: "a-very-long-stack-name-for-testing" }, "model-reader");
    expect(id.length).toBeLessThanOrEqual(30);
    expect(id).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  });
});

describe("AWS load balancer logical names", () => {
  it("fit 24 characters of letters, digits and hyphens for every stack name the program accepts, and differ between stacks", () => {
    const stackName = fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{0,${MAX_STACK_NAME_LENGTH - 1}}$`)).filter((s) => !s.endsWith("-"));
    fc.assert(
      fc.property(stackName, stackName, (a, b) => {
        const na = awsLbLogicalName({ stack: a }, "burst");
        expect(na.length).toBeLessThanOrEqual(AWS_LB_LOGICAL_MAX);
        expect(na).toMatch(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/);
        if (a !== b) expect(na).not.toBe(awsLbLogicalName({ stack: b }, "burst"));
      }),
    );
    expect(awsLbLogicalName({ stack: "staging" }, "burst")).toBe("hi-staging-burst");
    expect(() => awsLbLogicalName({ stack: "staging" }, "burst-pool-router")).toThrow(/at most 24/);
  });
});
