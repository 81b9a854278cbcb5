// npm run wait-healthy -- --base-url URL [--wait S]: exit 0 when /health answers 200, 2 when the time is up, 3 on bad flags.
import { WAIT_USAGE, waitHealthyCli } from "../tests/suites/wait-healthy";
import { runEntry } from "./lib/entry";

runEntry({ name: "wait-healthy", usage: WAIT_USAGE }, (argv) =>
  waitHealthyCli(argv, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }),
);
