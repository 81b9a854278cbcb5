/**
 * `npm run local`: starts the local stack (or with --fleet the local fleet: the router in front of base and burst
 * nodes), prints how to reach it, and stops everything on SIGINT, SIGTERM or SIGHUP. Exit codes: 0 stopped by a
 * signal, 2 the stack did not come up or a process of it died, 3 a bad flag or value (a busy --port included).
 */
import { API_KEY_SHAPE } from "../infra/config";
import { parseArgs } from "node:util";
import type { LocalArgs, LocalIo } from "./cli-lines";
import { fleetCli } from "./fleet/cli";
import { stackCli } from "./stack/cli";

export const LOCAL_USAGE = `usage: npm run local -- [--fleet [--stack S] [--from-zero]] [--port N] [--api-key K] [--verbose]
Starts llama-server with a generated test model through the node's boot path (S3 emulator, boot.sh) and prints
its base URL and API key; SIGINT (Ctrl-C), SIGTERM or SIGHUP stops everything.
  --fleet       the fleet a stack renders instead: its routers (the HAProxy configs, CA, keys and publisher their
                cloud-init carries), its base nodes and burst pools (each behind a stand-in for its load balancer,
                with the stack's certificates), and a stand-in for the Hetzner load balancer in front; prints the
                HTTPS entry, the routers' metrics and what stands behind them
  --stack S     with --fleet: the stack to render (default staging; any Pulumi.<S>.yaml)
  --from-zero   with --fleet: the burst pools at the stack's minimum (0 in both stacks): no burst node until the
                routers' demand asks; otherwise each pool starts with one node
  --port N      serve on port N, or fail when it is taken (default: 8080, with --fleet 8443, when free, else a free port)
  --api-key K   the key every request but /health needs (default: one made for this run, printed)
  --verbose     show llama-server's log (with --fleet also HAProxy's request logs)
Exit codes: 0 stopped by a signal, 2 it did not come up (or the single node died), 3 a bad flag, value or stack.`;

export function parseLocalArgs(argv: string[]): LocalArgs | string {
  let values: { port?: string; "api-key"?: string; verbose?: boolean; fleet?: boolean; "from-zero"?: boolean; stack?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: "string" }, "api-key": { type: "string" }, verbose: { type: "boolean", default: false }, fleet: { type: "boolean", default: false }, "from-zero": { type: "boolean", default: false }, stack: { type: "string" } },
      strict: true,
    }));
  } catch (e) {
    return (e as Error).message;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) return `--port must be a port number from 1 to 65535 (got ${values.port})`;
  if (values["api-key"] !== undefined && !API_KEY_SHAPE.test(values["api-key"])) return "--api-key must be 16 to 512 printable characters without spaces, as the stack's apiKey (it travels as a Bearer token and as a line of the nodes' key file)";
  if (values["from-zero"] && !values.fleet) return "--from-zero only applies to --fleet (the burst pools are the fleet's)";
  if (values.stack !== undefined && !values.fleet) return "--stack only applies to --fleet (the single stack runs one node)";
  if (values.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.stack)) return `--stack must be a stack name (letters, digits, '.', '_', '-'; got ${values.stack})`;
  return {
    verbose: values.verbose ?? false,
    fleet: values.fleet ?? false,
    fromZero: values["from-zero"] ?? false,
    ...(values.stack ? { stack: values.stack } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
  };
}

export async function localCli(argv: string[], io: LocalIo): Promise<number> {
  const args = parseLocalArgs(argv);
  if (typeof args === "string") {
    io.stderr(`local: ${args}\n${LOCAL_USAGE}\n`);
    return 3;
  }
  return args.fleet ? fleetCli(args, io) : stackCli(args, io);
}
