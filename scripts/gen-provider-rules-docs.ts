// npm run gen:provider-rules-docs: regenerates docs/provider-rules.md from the offline plan's provider rules.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderProviderRulesDocs } from "../plan/provider-rules/docs";
import { noFlags, runEntry } from "./lib/entry";

const USAGE = "usage: npm run gen:provider-rules-docs\nRegenerates docs/provider-rules.md from plan/provider-rules.";

runEntry({ name: "gen:provider-rules-docs", usage: USAGE }, async (argv) => {
  noFlags(argv);
  writeFileSync(path.resolve(__dirname, "..", "docs/provider-rules.md"), renderProviderRulesDocs());
  process.stdout.write("wrote docs/provider-rules.md\n");
  return 0;
});
