// npm run gen:sdk-limits: regenerates plan/generated/sdk-limits.json from the doc comments of the installed provider SDKs.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { readSdkLimits } from "../plan/provider-rules/sdk-limits";
import { noFlags, runEntry } from "./lib/entry";

const USAGE = "usage: npm run gen:sdk-limits\nRegenerates plan/generated/sdk-limits.json from the provider SDKs' doc comments in node_modules.";

runEntry({ name: "gen:sdk-limits", usage: USAGE }, async (argv) => {
  noFlags(argv);
  const root = path.resolve(__dirname, "..");
  const limits = readSdkLimits(path.join(root, "node_modules"));
  const file = path.join(root, "plan/generated/sdk-limits.json");
  writeFileSync(file, `${JSON.stringify(limits, null, 1)}\n`);
  process.stdout.write(`wrote limits for ${Object.keys(limits.types).length} types and ${limits.withNameInput.length} named types to ${path.relative(root, file)}\n`);
  return 0;
});
