/** The docs stay true: every relative link resolves, and the migration table names every policy of the pack. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { ROOT } from "../helpers/paths";

const DOCS = ["README.md", ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

describe("docs", () => {
  it.each(DOCS)("every relative link in %s resolves", (doc) => {
    const text = readFileSync(path.join(ROOT, doc), "utf8");
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/.test(l));
    const broken = links.filter((l) => !existsSync(path.join(ROOT, path.dirname(doc), l)));
    expect(broken).toEqual([]);
  });

  it("docs/migration.md maps an old check to every policy in the pack", () => {
    const text = readFileSync(path.join(ROOT, "docs/migration.md"), "utf8");
    expect(allPolicies.map((p) => p.name).filter((n) => !text.includes(`\`${n}\``))).toEqual([]);
  });

  it("docs/runbook.md covers each operation the team runs", () => {
    const headings = [...readFileSync(path.join(ROOT, "docs/runbook.md"), "utf8").matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(expect.arrayContaining(["Bootstrapping a stack", "Scaling the pools", "Rolling a new model", "A spot interruption storm", "Reading the router's metrics", "Rotating the API key", "Tearing staging down"]));
  });
});
