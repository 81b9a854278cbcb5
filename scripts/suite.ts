// npm run suite -- --suite smoke|contract|integration|load|all [--base-url URL] [--output json|text] ...: see docs/testing.md.
import { suiteCli } from "../tests/suites/cli";
import { USAGE } from "../tests/suites/options";
import { runEntry } from "./lib/entry";

runEntry({ name: "suite", usage: USAGE }, (argv) =>
  suiteCli(argv, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), tty: Boolean(process.stderr.isTTY) }),
);
