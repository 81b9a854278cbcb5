// npm run suite -- --suite smoke|contract|integration|load|all [--base-url URL] [--output json|text] ...: see docs/testing.md.
import { suiteCli } from "../tests/suites/cli";

suiteCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), tty: Boolean(process.stderr.isTTY) })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e: unknown) => {
    console.error(`suite: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 2;
  });
