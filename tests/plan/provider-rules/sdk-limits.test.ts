import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { autoname, autonameSpec, AUTONAME_RANDOM_LENGTH } from "../../../plan/provider-rules/autonaming";
import { extractLimit, RFC1035, readSdkLimits, type SdkLimits } from "../../../plan/provider-rules/sdk-limits";
import { ROOT } from "../../helpers/paths";

describe("limits read from the SDK doc comments", () => {
  it.each([
    ["This name must be unique within your AWS account, can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen.", { maxLength: 32, pattern: "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$" }],
    ["Name of the resource. The name must be 1-63 characters long, and comply with RFC1035. Specifically, the name must be 1-63 characters long and match the regular expression `a-z?`.", { minLength: 1, maxLength: 63, pattern: RFC1035 }],
    ["Creates a unique name beginning with the specified prefix. Conflicts with `name`. Cannot be longer than 6 characters.", { maxLength: 6 }],
    ["Must be lowercase and less than or equal to 63 characters in length.", { maxLength: 63, pattern: "^[^A-Z]*$" }],
    ["Must be between 1 and 64 characters in length.", { minLength: 1, maxLength: 64 }],
    ["Name of the server to create (must be unique per project and a valid hostname as per RFC 1123).", { patternName: "a valid RFC 1123 host name" }],
  ])("reads %j", (doc, expected) => {
    expect(extractLimit(doc)).toMatchObject(expected);
  });

  it.each([
    "Prefixes with lengths longer than 37 characters will use a shortened UUID that will be more prone to collisions.",
    "A map of tags. Each tag key can have up to 128 characters.",
    "The entire hostname must not exceed 253 characters.",
    "Friendly name of the role. If omitted, the provider will assign a random, unique name.",
  ])("reads no limit from %j", (doc) => {
    expect(extractLimit(doc)).toBeUndefined();
  });

  it("is current: plan/generated/sdk-limits.json is what the installed SDKs say (npm run gen:sdk-limits)", () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, "plan/generated/sdk-limits.json"), "utf8")) as SdkLimits;
    expect(committed).toEqual(readSdkLimits(path.join(ROOT, "node_modules")));
  });

  it("holds the limits the program's names depend on", () => {
    const limits = JSON.parse(readFileSync(path.join(ROOT, "plan/generated/sdk-limits.json"), "utf8")) as SdkLimits;
    expect(limits.types["aws:lb/loadBalancer:LoadBalancer"]?.name?.maxLength).toBe(32);
    expect(limits.types["aws:lb/targetGroup:TargetGroup"]?.name?.maxLength).toBe(32);
    expect(limits.types["gcp:compute/firewall:Firewall"]?.name).toMatchObject({ maxLength: 63, pattern: RFC1035 });
    expect(limits.types["gcp:serviceaccount/account:Account"]?.accountId).toMatchObject({ minLength: 6, maxLength: 30 });
    expect(limits.withNameInput).toEqual(expect.arrayContaining(["aws:lb/loadBalancer:LoadBalancer", "gcp:compute/firewall:Firewall", "hcloud:index/server:Server"]));
  });
});

describe("autonaming as the engine does it", () => {
  it("appends '-' and 7 hex characters to the logical name, in the type's autonamed field", () => {
    const a = autoname("aws:lb/loadBalancer:LoadBalancer", "hi-staging-burst", {});
    expect(a?.field).toBe("name");
    expect(a?.value).toMatch(/^hi-staging-burst-[0-9a-f]{7}$/);
    expect(a?.error).toBeUndefined();
    expect(autoname("aws:s3/bucket:Bucket", "Checkpoints", {})?.value).toMatch(/^checkpoints-[0-9a-f]{7}$/);
    expect(autoname("gcp:serviceaccount/account:Account", "node", {})?.field).toBe("accountId");
  });

  it("fails, never truncates, when the name is longer than the autonamer's maximum", () => {
    const tg = "aws:lb/targetGroup:TargetGroup";
    expect(autoname(tg, "x".repeat(32 - 1 - AUTONAME_RANDOM_LENGTH), {})?.error).toBeUndefined();
    const over = autoname(tg, "x".repeat(32 - AUTONAME_RANDOM_LENGTH), {});
    expect(over?.error).toBe(`name '${"x".repeat(25)}-' plus 7 random chars is longer than maximum length 32`);
    expect(over?.value.length).toBe(33);
  });

  it("leaves a set name, or a name prefix, alone, and knows which types are not autonamed", () => {
    expect(autoname("aws:lb/loadBalancer:LoadBalancer", "lb", { name: "given" })).toBeUndefined();
    expect(autoname("gcp:compute/instanceTemplate:InstanceTemplate", "t", { namePrefix: "t-" })).toBeUndefined();
    expect(autonameSpec("aws:lb/listener:Listener")).toBeUndefined();
  });
});

describe("docs/provider-rules.md", () => {
  it("is current (npm run gen:provider-rules-docs) and lists every rule with its source", async () => {
    const { renderProviderRulesDocs } = await import("../../../plan/provider-rules/docs");
    const { providerRules } = await import("../../../plan/provider-rules");
    const doc = readFileSync(path.join(ROOT, "docs/provider-rules.md"), "utf8");
    expect(doc).toBe(renderProviderRulesDocs());
    for (const r of providerRules) {
      expect(doc).toContain(`| \`${r.id}\` | ${r.phase} |`);
      expect(r.source.length, r.id).toBeGreaterThan(20);
    }
    expect(new Set(providerRules.map((r) => r.id)).size).toBe(providerRules.length);
  });
});
