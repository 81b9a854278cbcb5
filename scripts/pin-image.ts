// npm run pin-image -- --stack <name> --image <registry/repo:tag@sha256:digest>: pins the node image in a stack file.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { pinImageChecked } from "../plan/stack-file";
import { runEntry, UsageError } from "./lib/entry";

const USAGE = "usage: npm run pin-image -- --stack <name> --image <registry/repo:tag@sha256:<digest>>\nWrites the node image reference into Pulumi.<name>.yaml (the image workflow runs it with the digest it pushed).";

runEntry({ name: "pin-image", usage: USAGE }, async (argv) => {
  let values: { stack?: string; image?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, image: { type: "string" } }, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!values.stack || !values.image) throw new UsageError("--stack and --image are required");
  const root = path.resolve(__dirname, "..");
  try {
    const { before } = pinImageChecked(root, values.stack, values.image);
    process.stdout.write(`pinned ${values.image} in Pulumi.${values.stack}.yaml (was ${before})\n`);
    return 0;
  } catch (e) {
    throw new UsageError(e instanceof ConfigError ? e.problems.join("; ") : (e as Error).message);
  }
});
