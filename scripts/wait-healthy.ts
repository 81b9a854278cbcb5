// npm run wait-healthy -- --base-url URL [--timeout S]: exit 0 when /health answers 200, 2 on timeout, 3 on bad flags.
import { waitHealthyCli } from "../tests/suites/wait-healthy";

waitHealthyCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then((code) => {
  process.exitCode = code;
});
