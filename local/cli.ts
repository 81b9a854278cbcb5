/**
 * `npm run local`: starts the local stack (or with --fleet the local fleet: the router in front of base and burst
 * nodes), prints how to reach it, and stops everything on SIGINT, SIGTERM or SIGHUP. Exit codes: 0 stopped by a
 * signal, 2 the stack did not come up or a process of it died, 3 a bad flag or value (a busy --port included).
 */
import { parseArgs } from "node:util";
import type { LocalArgs, LocalIo } from "./cli-lines";
import { fleetCli } from "./fleet/cli";
import { stackCli } from "./stack/cli";

export const LOCAL_USAGE = `usage: npm run local -- [--fleet [--from-zero]] [--port N] [--api-key K] [--verbose]
Starts llama-server with a generated test model through the node's boot path (S3 emulator, boot.sh) and prints
its base URL; SIGINT (Ctrl-C), SIGTERM or SIGHUP stops everything.
  --fleet       the local fleet instead: two base and two burst llama-servers (the burst ones behind TLS
                terminators), and the HAProxy router in front with the config the clouds' routers get; prints its
                HTTPS URL, its certificate and its metrics URL
  --from-zero   with --fleet: the burst pools at minimum 0, as in the stacks: no burst node until the base
                overflows; the router's demand then starts one through the boot path, and it stops after a quiet period
  --port N      serve on port N, or fail when it is taken (default: 8080, with --fleet 8443, when free, else a free port)
  --api-key K   require this bearer key on every request but /health
  --verbose     show llama-server's log (with --fleet also the router's request log)
Exit codes: 0 stopped by a signal, 2 the stack did not come up or a process of it died, 3 a bad flag or value.`;


export function parseLocalArgs(argv: string[]): LocalArgs | string {
  let values: { port?: string; "api-key"?: string; verbose?: boolean; fleet?: boolean; "from-zero"?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { port: { type: "string" }, "api-key": { type: "string" }, verbose: { type: "boolean", default: false }, fleet: { type: "boolean", default: false }, "from-zero": { type: "boolean", default: false } }, strict: true }));
  } catch (e) {
    return (e as Error).message;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) return `--port must be a port number from 1 to 65535 (got ${values.port})`;
  if (values["api-key"] !== undefined && values["api-key"] === "") return "--api-key must not be empty";
  if (values["from-zero"] && !values.fleet) return "--from-zero only applies to --fleet (the burst pools are the fleet's)";
  return { verbose: values.verbose ?? false, fleet: values.fleet ?? false, fromZero: values["from-zero"] ?? false, ...(port !== undefined ? { port } : {}), ...(values["api-key"] ? { apiKey: values["api-key"] } : {}) };
}

export async function localCli(argv: string[], io: LocalIo): Promise<number> {
  const args = parseLocalArgs(argv);
  if (typeof args === "string") {
    io.stderr(`local: ${args}\n${LOCAL_USAGE}\n`);
    return 3;
  }
  return args.fleet ? fleetCli(args, io) : stackCli(args, io);
}
