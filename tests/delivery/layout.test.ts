/** The layout rule: infra/ holds only what `pulumi up` runs, so nothing in it reaches into the pack or the plan tooling. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (e.endsWith(".ts")) yield p;
  }
}

/** Every relative module an import or require in the file names, resolved against the file. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const specs = [...src.matchAll(/(?:from\s+|import\(|require\()\s*["'](\.[^"']+)["']/g)].map((m) => m[1] ?? "");
  return specs.map((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)));
}

describe("layout", () => {
  const infra = [...tsFiles(path.join(ROOT, "infra"))];

  it("finds the program's files", () => {
    expect(infra.map((f) => path.relative(ROOT, f))).toContain("infra/index.ts");
  });

  it.each(["policies", "plan", "tests", "scripts", "local"])("nothing in infra/ imports %s/", (top) => {
    const offenders = infra.flatMap((f) => importsOf(f).filter((i) => i === top || i.startsWith(`${top}/`)).map((i) => `${path.relative(ROOT, f)} -> ${i}`));
    expect(offenders).toEqual([]);
  });

  it("keeps in inference-image/ only what ships in the image or onto nodes and routers", () => {
    expect(readdirSync(path.join(ROOT, "inference-image")).sort()).toEqual(["Dockerfile", "boot", "llama-release.json", "publish.json", "router"]);
  });

  it.each([["plan", "local"], ["policies", "local"], ["local", "tests"], ["local", "scripts"]])("nothing in %s/ imports %s/", (from, top) => {
    const offenders = [...tsFiles(path.join(ROOT, from))].filter((f) => !f.includes("node_modules")).flatMap((f) => importsOf(f).filter((i) => i === top || i.startsWith(`${top}/`)).map((i) => `${path.relative(ROOT, f)} -> ${i}`));
    expect(offenders).toEqual([]);
  });

  it("has no import circle between the single stack's CLI and the fleet's", () => {
    const reach = (file: string, seen = new Set<string>()): Set<string> => {
      for (const i of importsOf(path.join(ROOT, file))) {
        const f = [`${i}.ts`, `${i}/index.ts`].find((c) => existsSync(path.join(ROOT, c)));
        if (f && !seen.has(f)) {
          seen.add(f);
          reach(f, seen);
        }
      }
      return seen;
    };
    expect(reach("local/stack/cli.ts").has("local/fleet/cli.ts")).toBe(false);
    expect(reach("local/fleet/cli.ts").has("local/stack/cli.ts")).toBe(false);
    expect(reach("local/cli.ts")).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect([...reach("local/cli.ts")]).toEqual(expect.arrayContaining(["local/stack/cli.ts", "local/fleet/cli.ts"]));
  });
});
