// npm run gen:policy-docs: regenerates docs/policies.md from the pack and policies/config/*.json.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policies/all";
import { renderPolicyDocs } from "../policies/lib/docs";
import { noFlags, runEntry } from "./lib/entry";

const USAGE = "usage: npm run gen:policy-docs\nRegenerates docs/policies.md from the policy pack and policies/config/<stack>.json.";

runEntry({ name: "gen:policy-docs", usage: USAGE }, async (argv) => {
  noFlags(argv);
  const root = path.resolve(__dirname, "..");
  const configs = Object.fromEntries(["staging", "prod"].map((s) => [s, JSON.parse(readFileSync(path.join(root, "policies/config", `${s}.json`), "utf8"))]));
  writeFileSync(path.join(root, "docs/policies.md"), renderPolicyDocs(allPolicies, configs));
  process.stdout.write("wrote docs/policies.md\n");
  return 0;
});
