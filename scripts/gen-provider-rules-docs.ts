// Regenerates docs/provider-rules.md from the offline plan's provider rules.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderProviderRulesDocs } from "../plan/provider-rules/docs";

writeFileSync(path.resolve(__dirname, "..", "docs/provider-rules.md"), renderProviderRulesDocs());
console.log("wrote docs/provider-rules.md");
