// Regenerates policies/generated/label-support.json from the installed provider SDKs.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { readLabelSupport } from "../plan/label-support";

const root = path.resolve(__dirname, "..");
const support = readLabelSupport(path.join(root, "node_modules"));
const file = path.join(root, "policies/generated/label-support.json");
writeFileSync(file, `${JSON.stringify(support, null, 2)}\n`);
console.log(`wrote ${Object.keys(support.types).length} types to ${path.relative(root, file)}`);
