/**
 * A rolling update of prod's base layer under load on its local fleet (what the stack renders: three base nodes, two
 * routers behind the load balancer stand-in), against the same load with no roll for as long: each base node in turn
 * drains, is replaced through the boot path and passes the stack's gate, while clients send streamed and
 * non-streamed completions back to back through the load balancer. Two rounds, the order swapped in the second.
 */
import { readFileSync } from "node:fs";
import { type RollStep, startLocalFleet } from "../../local/fleet/fleet";
import { send, type Sent } from "../suites/fleet/rolling-update";
import { Http } from "../suites/http";

export interface RollingPhase {
  phase: "roll" | "steady";
  round: number;
  duration_ms: number;
  requests: number;
  served: number;
  streamed: number;
  longest_ms: number;
  p50_ms: number;
  p99_ms: number;
  steps?: RollStep[];
}

export interface RollingBench {
  stack: string;
  base_nodes: number;
  routers: number;
  clients: number;
  phases: RollingPhase[];
}

export const ROLLING_CLIENTS = 3;
const ROUNDS = 2;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : 0;
};

export async function runRollingBench(o: { progress: (line: string) => void }): Promise<RollingBench> {
  o.progress("rolling: starting prod's local fleet");
  const fleet = await startLocalFleet({ stack: "prod", port: 0 });
  try {
    const http = new Http(fleet.baseUrl, fleet.apiKey, ROLLING_CLIENTS * 2, { ca: readFileSync(fleet.certFile, "utf8") });
    const model = ((await http.get("/v1/models")).json as { data?: Array<{ id: string }> }).data?.[0]?.id ?? fleet.model.name;
    const signal = new AbortController().signal;
    /** Clients busy while `during` runs; what they saw. */
    const underLoad = async <T>(during: () => Promise<T>): Promise<{ sent: Sent[]; ms: number; value: T }> => {
      const sent: Sent[] = [];
      let on = true;
      const clients = Array.from({ length: ROLLING_CLIENTS }, async (_, n) => {
        for (let i = 0; on; i++) sent.push(await send({ http, apiKey: fleet.apiKey, model, signal }, (i + n) % 2 === 0));
      });
      const t0 = performance.now();
      let value: T;
      try {
        value = await during();
      } finally {
        on = false;
        await Promise.all(clients);
      }
      return { sent, ms: performance.now() - t0, value };
    };
    const phaseOf = (phase: RollingPhase["phase"], round: number, r: { sent: Sent[]; ms: number }, steps?: RollStep[]): RollingPhase => ({
      phase, round, duration_ms: Math.round(r.ms), requests: r.sent.length, served: r.sent.filter((s) => s.complete).length, streamed: r.sent.filter((s) => s.stream).length,
      longest_ms: Math.round(Math.max(0, ...r.sent.map((s) => s.ms))), p50_ms: Math.round(quantile(r.sent.map((s) => s.ms), 0.5)), p99_ms: Math.round(quantile(r.sent.map((s) => s.ms), 0.99)),
      ...(steps ? { steps } : {}),
    });
    const phases: RollingPhase[] = [];
    let lastRollMs = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Array<RollingPhase["phase"]> = round % 2 === 1 ? ["roll", "steady"] : ["steady", "roll"];
      for (const phase of order) {
        o.progress(`rolling: round ${round}, ${phase}`);
        if (phase === "roll") {
          const r = await underLoad(() => fleet.rollBase());
          lastRollMs = r.ms;
          phases.push(phaseOf("roll", round, r, r.value));
        } else {
          // As long as the last roll took (the first round rolls first, so there is one).
          const r = await underLoad(() => new Promise((res) => setTimeout(res, lastRollMs)));
          phases.push(phaseOf("steady", round, r));
        }
      }
    }
    return { stack: "prod", base_nodes: fleet.base.length, routers: fleet.routers.length, clients: ROLLING_CLIENTS, phases };
  } finally {
    await fleet.stop();
  }
}
