/** The layout rule: infra/ holds only what `pulumi up` runs, so nothing in it reaches into the pack or the plan tooling. */
import { readdirSync, readFileSync, statSync } from "node:fs";
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

  it.each(["policies", "plan", "tests", "scripts"])("nothing in infra/ imports %s/", (top) => {
    const offenders = infra.flatMap((f) => importsOf(f).filter((i) => i === top || i.startsWith(`${top}/`)).map((i) => `${path.relative(ROOT, f)} -> ${i}`));
    expect(offenders).toEqual([]);
  });
});
