/** `npm run local`: the local stack, one node through the boot path; prints how to reach it, stops on a signal. */
import { randomBytes } from "node:crypto";
import { type LocalArgs, type LocalIo, progressSink, startFailure, tryCommand } from "../cli-lines";
import { type LocalStack, startLocalStack } from "./stack";

export async function stackCli(args: LocalArgs, io: LocalIo): Promise<number> {
  let stack: LocalStack;
  // Never open: without --api-key the stack gets a key of its own, printed in the try: line.
  const apiKey = args.apiKey ?? randomBytes(24).toString("hex");
  try {
    stack = await startLocalStack({
      ...(args.port !== undefined ? { port: args.port } : {}),
      apiKey,
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
      `  ${stack.launch.parallel} slots x ${stack.launch.ctxPerSlot} tokens, ${stack.launch.threads} threads, /metrics on`,
      `  api key ${apiKey}${args.apiKey ? "" : " (made for this run; --api-key K sets one)"}`,
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
