// npm run pin-image -- --stack <name> --image <registry/repo:tag@sha256:digest>: pins the node image in a stack file.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { pinImageChecked } from "../plan/stack-file";

const USAGE = "usage: npm run pin-image -- --stack <name> --image <registry/repo:tag@sha256:<digest>>";

function main(): number {
  let values: { stack?: string; image?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { stack: { type: "string" }, image: { type: "string" }, help: { type: "boolean" } }, strict: true }));
  } catch (e) {
    console.error(`pin-image: ${(e as Error).message}\n${USAGE}`);
    return 3;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.stack || !values.image) {
    console.error(`pin-image: --stack and --image are required\n${USAGE}`);
    return 3;
  }
  const root = path.resolve(__dirname, "..");
  try {
    const { before } = pinImageChecked(root, values.stack, values.image);
    console.log(`pinned ${values.image} in Pulumi.${values.stack}.yaml (was ${before})`);
    return 0;
  } catch (e) {
    console.error(`pin-image: ${e instanceof ConfigError ? e.problems.join("; ") : (e as Error).message}`);
    return 3;
  }
}

process.exitCode = main();
