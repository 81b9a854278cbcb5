/**
 * `npm run local -- --fleet`: starts the local fleet, prints the router's HTTPS URL, its certificate, its metrics URL
 * and what stands behind it, and stops everything on SIGINT, SIGTERM or SIGHUP, or when one of its processes dies.
 */
import { shellQuote } from "../../infra/inference/bootscript";
import { burstOrder } from "../../infra/hetzner/haproxy";
import { type LocalArgs, type LocalIo, progressSink, startFailure, tryCommand } from "../cli-lines";
import { type LocalFleet, startLocalFleet } from "./fleet";

/** The command that runs the fleet suite against this fleet from another shell. */
export function suiteCommand(fleet: Pick<LocalFleet, "baseUrl" | "metricsUrl" | "certFile" | "apiKey">): string {
  const key = fleet.apiKey !== undefined ? `HI_API_KEY=${shellQuote(fleet.apiKey)} ` : "";
  return `${key}NODE_EXTRA_CA_CERTS=${shellQuote(fleet.certFile)} npm run suite -- --suite fleet --base-url ${fleet.baseUrl} --metrics-url ${fleet.metricsUrl}`;
}

export function fleetSummary(fleet: LocalFleet): string {
  const t = fleet.timings;
  const order = burstOrder(fleet.spec.burst).map((b) => b.name);
  const burst = order.map((name, i) => {
    const b = fleet.burst.find((x) => x.name === name);
    const slots = fleet.spec.burst.find((x) => x.name === name)?.slots ?? 0;
    const behind = b?.pool.node()?.baseUrl ?? `no node yet (port ${b?.pool.port ?? "?"})`;
    const min = b ? fleet.scaling.autoscaler.scaling(b.name).minNodes : 0;
    return `${name} ${b?.endpoint ?? "?"} (${b?.tlsName ?? "?"}, ${b?.mode === "tcp" ? "TLS to TCP to" : "HTTPS proxy to"} ${behind}, ${slots} slots, min ${min} node${i === 0 ? ", tried first" : ""})`;
  });
  return [
    `the local fleet is up: the HAProxy router at ${fleet.baseUrl}`,
    `  certificate ${fleet.certFile} (self-signed: curl --cacert it; Node clients: NODE_EXTRA_CA_CERTS)`,
    `  metrics ${fleet.metricsUrl} (Prometheus; see docs/runbook.md, "Reading the router's metrics")`,
    `  base   ${fleet.base.map((b) => `${b.name} ${b.node.baseUrl} (${b.node.launch.parallel} slots)`).join(", ")}`,
    `  burst  ${burst.join(", ")}`,
    `  queue  ${fleet.spec.queue.depth} requests wait up to ${fleet.spec.queue.timeoutSeconds} s for a base slot when the burst pools are full; past that 503`,
    `  demand published every ${fleet.fixture.scaling.publishIntervalMs / 1000} s to the CloudWatch stand-in ${fleet.scaling.sinks.cloudwatch.url} and the Cloud Monitoring stand-in ${fleet.scaling.sinks.monitoring.url};`,
    `         the autoscaler stand-in sizes each pool from it and takes a pool back to its minimum after ${fleet.fixture.scaling.quietMs / 1000} s without demand`,
    `  model ${fleet.model.file} from ${fleet.store.endpoint}/${fleet.store.bucket}${fleet.apiKey ? ", API key required" : ""}`,
    `  config ${fleet.configFile} (rendered by infra/hetzner/haproxy.ts)`,
    `  ready in ${(t.totalMs / 1000).toFixed(1)} s (nodes ${(t.nodesMs / 1000).toFixed(1)} s, router and health checks ${(t.routerMs / 1000).toFixed(1)} s${t.built ? ", llama-server built this run" : ""})`,
    `  try: ${tryCommand(fleet, fleet.certFile)}`,
    `  suite: ${suiteCommand(fleet)}`,
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}

export async function fleetCli(args: LocalArgs, io: LocalIo): Promise<number> {
  let fleet: LocalFleet;
  try {
    fleet = await startLocalFleet({
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.apiKey ? { apiKey: args.apiKey } : {}),
      ...(args.fromZero ? { fromZero: true } : {}),
      progress: progressSink(io),
      log: (line) => {
        if (args.verbose || /^\S+: boot:/.test(line) || line.startsWith("autoscaler:")) io.stderr(`${line}\n`);
      },
    });
  } catch (e) {
    return startFailure(e, io);
  }
  io.stdout(fleetSummary(fleet));
  const processes = [
    { name: "the router", child: fleet.router.child },
    ...fleet.base.map((b) => ({ name: `base node ${b.name}`, child: b.node.server })),
    // A burst node comes and goes with the autoscaler; the pool's terminator (its load balancer) stays.
    ...fleet.burst.map((b) => ({ name: `the ${b.name} terminator`, child: b.terminator.child })),
  ];
  const died = Promise.race(processes.map((p) => new Promise<string>((resolve) => p.child.once("exit", (code, signal) => resolve(`${p.name} exited (${signal ?? code})`)))));
  const why = await Promise.race([io.stopSignal().then((s) => ({ signal: s })), died.then((d) => ({ died: d }))]);
  if ("died" in why) io.stderr(`local: ${why.died}; stopping\n`);
  else io.stderr(`local: ${why.signal}, stopping\n`);
  await fleet.stop();
  return "died" in why ? 2 : 0;
}
