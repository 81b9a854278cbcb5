// npm run simulate -- --stack <name> [--trace NAME|all] [--output json|table]: the burst pools' scaling, replayed.
import * as path from "node:path";
import { SIMULATE_USAGE, simulateCli } from "../simulate/cli";
import { runEntry } from "./lib/entry";

runEntry({ name: "simulate", usage: SIMULATE_USAGE, crashCode: 4 }, (argv) =>
  simulateCli(argv, { root: path.resolve(__dirname, ".."), out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }),
);
