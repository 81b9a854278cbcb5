// npm run plan -- --stack <name> [--output json|table]: the offline plan of a stack (see README).
import * as path from "node:path";
import { planCli, USAGE } from "../plan/cli";
import { runEntry } from "./lib/entry";

runEntry({ name: "plan", usage: USAGE, crashCode: 4 }, (argv) =>
  planCli(argv, { root: path.resolve(__dirname, ".."), out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }),
);
