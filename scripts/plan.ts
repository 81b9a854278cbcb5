// npm run plan -- --stack <name> [--output json|table]
import * as path from "node:path";
import { planCli } from "../plan/cli";

planCli(process.argv.slice(2), { root: path.resolve(__dirname, ".."), out: (s) => console.log(s), err: (s) => console.error(s) }).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(4);
  },
);
