/**
 * `npm run local -- --fleet [--stack S]`: starts the fleet a stack renders, prints its HTTPS entry, its key, its
 * routers' metrics and what stands behind them, and runs until SIGINT, SIGTERM or SIGHUP. A process that dies is
 * reported and restarted (as its host would); it never stops the fleet.
 */
import { shellQuote } from "../../infra/inference/bootscript";
import { type LocalArgs, type LocalIo, progressSink, startFailure, tryCommand } from "../cli-lines";
import { type LocalFleet, startLocalFleet } from "./fleet";
import { StackRenderError } from "./render";

/** The fleet suite against one router of this fleet, from another shell (the routing checks read one router's view). */
export function suiteCommand(fleet: Pick<LocalFleet, "apiKey" | "routers">): string {
  const r = fleet.routers[0];
  return `HI_API_KEY=${shellQuote(fleet.apiKey)} npm run suite -- --suite fleet --base-url ${r?.apiUrl ?? "?"} --metrics-url ${r?.metricsUrl ?? "?"}`;
}

export function fleetSummary(fleet: LocalFleet): string {
  const t = fleet.timings;
  const f = fleet.facts;
  const burst = f.burstOrder.map((backend, i) => {
    const b = fleet.burst.find((x) => `burst_${x.name}` === backend);
    if (!b) return backend;
    const lb = b.rendered.lb.kind === "aws-nlb-tls" ? "NLB TLS listener" : "HTTPS load balancer";
    const min = fleet.scaling.autoscaler.scaling(b.name).minNodes;
    return `${b.name} ${b.endpoint} (${lb}, certificate for ${b.tlsName}; ${b.pool.nodes()} of max ${b.pool.ports.length} node(s) here, ${b.rendered.scaling.max} in the stack, min ${min}; ${b.slotsPerNode} slots per node${i === 0 ? "; tried first" : ""})`;
  });
  const routerLines = fleet.routers.map((r) => `${r.name} ${r.apiUrl} (metrics ${r.metricsUrl}, config ${r.configFile})`);
  const base = fleet.base.map((b) => `${b.name} http://127.0.0.1:${b.port} (${b.node()?.launch.parallel ?? "?"} slots)`);
  return [
    `the local fleet of stack ${fleet.stack} is up: ${fleet.baseUrl} (the Hetzner load balancer's stand-in, for ${fleet.domain})`,
    `  certificate ${fleet.certFile} (self-signed: curl --cacert it; Node clients: NODE_EXTRA_CA_CERTS)`,
    `  api key ${fleet.apiKey}${fleet.generatedKey ? " (made for this run; --api-key K sets one)" : ""}`,
    `  routers ${routerLines.join("\n          ")}`,
    `  base    ${base.join(", ")}`,
    `  burst   ${burst.join("\n          ")}`,
    `  queue   ${f.queueDepth} requests per router wait up to ${f.queueTimeoutSeconds} s for a base slot when the pools are full; past that 503`,
    `  demand  each router's publisher every ${fleet.pace.publishIntervalMs / 1000} s to the CloudWatch stand-in ${fleet.scaling.sinks.cloudwatch.url} and the Cloud Monitoring stand-in ${fleet.scaling.sinks.monitoring.url};`,
    `          the autoscaler stand-in sizes each pool and takes it back to its minimum after ${fleet.pace.quietMs / 1000} s without demand`,
    `  model   ${fleet.model.file} from ${fleet.store.endpoint}/${fleet.store.bucket}`,
    ...(fleet.render.providerErrors.length ? [`  plan    ${fleet.render.providerErrors.length} provider error(s): the real clouds would refuse this stack (see the log above)`] : []),
    `  ready in ${(t.totalMs / 1000).toFixed(1)} s (render ${(t.renderMs / 1000).toFixed(1)} s, nodes ${(t.nodesMs / 1000).toFixed(1)} s, routers and health checks ${(t.routersMs / 1000).toFixed(1)} s${t.built ? ", llama-server built this run" : ""})`,
    `  try: ${tryCommand(fleet, fleet.certFile)}`,
    `  suite: ${suiteCommand(fleet)}`,
    "A process that dies is restarted as its host would; Ctrl-C stops everything.",
    "",
  ].join("\n");
}

export async function fleetCli(args: LocalArgs, io: LocalIo): Promise<number> {
  let fleet: LocalFleet;
  try {
    fleet = await startLocalFleet({
      ...(args.stack ? { stack: args.stack } : {}),
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.apiKey ? { apiKey: args.apiKey } : {}),
      ...(args.fromZero ? { fromZero: true } : {}),
      progress: progressSink(io),
      log: (line) => {
        if (args.verbose || /^\S+: boot:/.test(line) || /^(autoscaler|plan):|exited|is back|did not come back|replaces it/.test(line)) io.stderr(`${line}\n`);
      },
    });
  } catch (e) {
    if (e instanceof StackRenderError && e.configError) {
      io.stderr(`local: ${e.message}\n`);
      return 3;
    }
    return startFailure(e, io);
  }
  io.stdout(fleetSummary(fleet));
  const signal = await io.stopSignal();
  io.stderr(`local: ${signal}, stopping\n`);
  await fleet.stop();
  return 0;
}
