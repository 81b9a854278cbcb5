// npm run local [-- --port N] [--api-key K]: the local inference stack; prints the base URL, stops cleanly on Ctrl-C.
import { parseArgs } from "node:util";
import { startLocalStack } from "../inference-image/local/stack";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string" }, "api-key": { type: "string" }, verbose: { type: "boolean", default: false } } });
  const port = values.port ? Number(values.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error(`local: --port must be a port number (got ${values.port})`);
    process.exit(3);
  }
  let lastPercent = -1;
  const stack = await startLocalStack({
    ...(port ? { port } : {}),
    ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
    progress: (p) => {
      if (p.percent === undefined) console.error(`local: ${p.step}`);
      else if (p.percent !== lastPercent) {
        lastPercent = p.percent;
        if (process.stderr.isTTY) process.stderr.write(`\rlocal: ${p.step} ${p.percent}%${p.percent === 100 ? "\n" : ""}`);
        else if (p.percent % 10 === 0) console.error(`local: ${p.step} ${p.percent}%`);
      }
    },
    log: (line) => {
      if (values.verbose || line.startsWith("boot:")) console.error(line);
    },
  });
  const t = stack.timings;
  console.log(`llama-server is healthy at ${stack.baseUrl}`);
  console.log(`  model ${stack.model.file} (sha256 ${stack.model.sha256.slice(0, 12)}…) from ${stack.store.endpoint}/${stack.store.bucket}`);
  console.log(`  ${stack.launch.parallel} slots x ${stack.launch.ctxPerSlot} tokens, ${stack.launch.threads} threads, /metrics on${stack.apiKey ? ", API key required" : ""}`);
  console.log(`  ready in ${(t.totalMs / 1000).toFixed(1)} s (boot path to healthy ${(t.bootToHealthyMs / 1000).toFixed(1)} s${t.built ? ", llama-server built this run" : ", cached llama-server"})`);
  console.log(`  try: curl ${stack.baseUrl}/v1/completions -H 'content-type: application/json' -d '{"prompt":"Hello","max_tokens":16}'`);
  console.log("Ctrl-C stops everything.");
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.error("local: stopping");
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  stack.server.once("exit", (code) => {
    if (!stopping) {
      console.error(`local: llama-server exited (${code})`);
      void stack.stop().then(() => process.exit(1));
    }
  });
}

main().catch((e: unknown) => {
  console.error(`local: ${(e as Error).message}`);
  process.exit(2);
});
