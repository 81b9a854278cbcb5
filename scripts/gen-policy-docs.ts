// Regenerates docs/policies.md from the pack and policies/config/*.json.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policies/all";
import { renderPolicyDocs } from "../policies/lib/docs";

const root = path.resolve(__dirname, "..");
const configs = Object.fromEntries(["staging", "prod"].map((s) => [s, JSON.parse(readFileSync(path.join(root, "policies/config", `${s}.json`), "utf8"))]));
writeFileSync(path.join(root, "docs/policies.md"), renderPolicyDocs(allPolicies, configs));
console.log("wrote docs/policies.md");
