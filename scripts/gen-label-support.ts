// npm run gen:label-support: regenerates policies/generated/label-support.json from the installed provider SDKs.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { readLabelSupport } from "../plan/label-support";
import { noFlags, runEntry } from "./lib/entry";

const USAGE = "usage: npm run gen:label-support\nRegenerates policies/generated/label-support.json from the provider SDKs in node_modules.";

runEntry({ name: "gen:label-support", usage: USAGE }, async (argv) => {
  noFlags(argv);
  const root = path.resolve(__dirname, "..");
  const support = readLabelSupport(path.join(root, "node_modules"));
  const file = path.join(root, "policies/generated/label-support.json");
  writeFileSync(file, `${JSON.stringify(support, null, 2)}\n`);
  process.stdout.write(`wrote ${Object.keys(support.types).length} types to ${path.relative(root, file)}\n`);
  return 0;
});
