// Regenerates plan/generated/sdk-limits.json from the doc comments of the installed provider SDKs.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { readSdkLimits } from "../plan/provider-rules/sdk-limits";

const root = path.resolve(__dirname, "..");
const limits = readSdkLimits(path.join(root, "node_modules"));
const file = path.join(root, "plan/generated/sdk-limits.json");
writeFileSync(file, `${JSON.stringify(limits, null, 1)}\n`);
console.log(`wrote limits for ${Object.keys(limits.types).length} types and ${limits.withNameInput.length} named types to ${path.relative(root, file)}`);
