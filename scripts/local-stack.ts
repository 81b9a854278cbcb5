// npm run local [-- --port N] [--api-key K] [--verbose]: the local inference stack; prints the base URL, stops on SIGINT, SIGTERM or SIGHUP.
import { LOCAL_USAGE, localCli } from "../local/cli";
import { runEntry } from "./lib/entry";

const stopSignal = () => new Promise<string>((resolve) => ["SIGINT", "SIGTERM", "SIGHUP"].forEach((s) => process.on(s, () => resolve(s))));

runEntry({ name: "local", usage: LOCAL_USAGE }, (argv) =>
  localCli(argv, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), tty: Boolean(process.stderr.isTTY), stopSignal }),
);
