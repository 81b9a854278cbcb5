/**
 * `npm run local`: starts the local stack (or with --fleet the local fleet: the router in front of base and burst
 * nodes), prints how to reach it, and stops everything on SIGINT, SIGTERM or SIGHUP. Exit codes: 0 stopped by a
 * signal, 2 the stack did not come up or a process of it died, 3 a bad flag or value (a busy --port included).
 */
import { parseArgs } from "node:util";
import { progressSink, startFailure, tryCommand } from "./cli-lines";
import { fleetCli } from "./fleet-cli";
import { type LocalStack, startLocalStack } from "./stack";

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

export interface LocalIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (the build progress then redraws one line). */
  tty: boolean;
  /**
   * Called once the stack is up: resolves with a signal's name when it should stop. Before that a signal ends the
   * process as usual, and the reaper removes whatever had been started.
   */
  stopSignal: () => Promise<string>;
}

export interface LocalArgs {
  port?: number;
  apiKey?: string;
  verbose: boolean;
  fleet: boolean;
  fromZero: boolean;
}

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
  if (args.fleet) return fleetCli(args, io);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.apiKey ? { apiKey: args.apiKey } : {}),
      progress: progressSink(io),
      log: (line) => {
        if (args.verbose || line.startsWith("boot:")) io.stderr(`${line}\n`);
      },
    });
  } catch (e) {
    return startFailure(e, io);
  }
  const t = stack.timings;
  io.stdout(
    [
      `llama-server is healthy at ${stack.baseUrl}`,
      `  model ${stack.model.file} (sha256 ${stack.model.sha256.slice(0, 12)}…) from ${stack.store.endpoint}/${stack.store.bucket}`,
      `  ${stack.launch.parallel} slots x ${stack.launch.ctxPerSlot} tokens, ${stack.launch.threads} threads, /metrics on${stack.apiKey ? ", API key required" : ""}`,
      `  ready in ${(t.totalMs / 1000).toFixed(1)} s (boot path to healthy ${(t.bootToHealthyMs / 1000).toFixed(1)} s${t.built ? ", llama-server built this run" : ", cached llama-server"})`,
      `  try: ${tryCommand(stack)}`,
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
  const died = new Promise<string>((resolve) => stack.server.once("exit", (code, signal) => resolve(`llama-server exited (${signal ?? code})`)));
  const why = await Promise.race([io.stopSignal().then((s) => ({ signal: s })), died.then((d) => ({ died: d }))]);
  if ("died" in why) io.stderr(`local: ${why.died}; stopping\n`);
  else io.stderr(`local: ${why.signal}, stopping\n`);
  await stack.stop();
  return "died" in why ? 2 : 0;
}
