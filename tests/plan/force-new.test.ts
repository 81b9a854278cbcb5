/**
 * plan/generated/force-new.json is fresh: read for the SDK versions installed, naming only inputs those SDKs have,
 * and covering every type either stack registers. It was read from the providers' sources (cited per field), which
 * CI cannot fetch; when an SDK moves, re-read the cited files (docs/provider-rules.md, "Force-new fields").
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FORCE_NEW, replacementKey } from "../../plan/force-new";
import { argsBody, argsNames, packageResources } from "../../plan/sdk";
import { runProgram } from "../helpers/fleet";
import { ROOT } from "../helpers/paths";

const NODE_MODULES = path.join(ROOT, "node_modules");

describe("the force-new data", () => {
  it("was read for the SDK versions installed", () => {
    const installed = Object.fromEntries(Object.keys(FORCE_NEW.sdks).map((pkg) => [pkg, (JSON.parse(readFileSync(path.join(NODE_MODULES, pkg, "package.json"), "utf8")) as { version: string }).version]));
    expect(installed).toEqual(FORCE_NEW.sdks);
  });

  it("names only inputs the installed SDKs have, each with a source", () => {
    const inputs = new Map<string, string[]>();
    for (const pkg of Object.keys(FORCE_NEW.sdks)) {
      for (const r of packageResources(NODE_MODULES, pkg.replace("@pulumi/", ""))) {
        const body = argsBody(r.dts, r.className);
        if (body) inputs.set(r.token, argsNames(body));
      }
    }
    const unknown: string[] = [];
    for (const [type, spec] of Object.entries(FORCE_NEW.types)) {
      const names = inputs.get(type);
      if (!names) {
        unknown.push(`${type}: not a resource of the installed SDKs`);
        continue;
      }
      for (const f of [...spec.forceNew, ...(spec.conditional ?? []), ...(spec.disruptive ?? [])]) {
        if (!names.includes(f.path.split(".")[0] as string)) unknown.push(`${type}.${f.path}`);
        expect(f.source.length).toBeGreaterThan(10);
      }
    }
    expect(unknown).toEqual([]);
  });

  it.each(["staging", "prod"])("covers every provider type %s registers", async (stack) => {
    const run = await runProgram(stack);
    const types = [...new Set(run.resources.map((r) => r.type))].filter((t) => !t.startsWith("hybrid:") && !t.startsWith("pulumi:"));
    expect(types.filter((t) => !FORCE_NEW.types[t])).toEqual([]);
  });

  it("gives a resource a new replacement key exactly when a force-new field or a replaceOnChanges field changes", () => {
    const S = "hcloud:index/server:Server";
    const k = (i: Record<string, unknown>, roc: string[] = []) => replacementKey(S, i, roc);
    expect(k({ userData: "a", labels: { x: "1" } })).toBe(k({ userData: "a", labels: { x: "2" } }));
    expect(k({ userData: "a" })).not.toBe(k({ userData: "b" }));
    expect(k({ serverType: "cpx22" })).toBe(k({ serverType: "cpx32" }));
    expect(k({ serverType: "cpx22" }, ["serverType"])).not.toBe(k({ serverType: "cpx32" }, ["serverType"]));
  });
});
