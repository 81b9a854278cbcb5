/**
 * The launch-spec benchmark: candidate llama-server settings (threads, poll) measured side by side in one run, at
 * each user count, on a quiet machine and with CPU hogs beside it, and the rule that picks the default from them.
 * Every candidate runs through the real local stack (boot path, S3 emulator); all of them are up for the whole run
 * and take turns cell by cell, so machine noise falls on every candidate alike.
 */
import type { LaunchMachine } from "../../infra/inference/launch";
import { CLIENT_CORES } from "../../local/stack/host-cpu";
import { type LocalStack, startLocalStack } from "../../local/stack/stack";
import { Http } from "../suites/http";
import { loadFigures, runLoad } from "../suites/load/generator";
import type { LoadResult } from "../suites/results";
import { withHogs } from "./hogs";

export interface Candidate {
  name: string;
  threads: number;
  /** Unset: llama.cpp's default (50). */
  poll?: number;
}

export interface MatrixCell {
  candidate: string;
  hogs: number;
  users: number;
  /** The figures of the round with the median throughput. */
  figures: LoadResult;
  /** Requests per second of every round, in order. */
  roundsRps: number[];
}

export const candidateName = (c: Omit<Candidate, "name">) => `threads ${c.threads}${c.poll !== undefined ? `, poll ${c.poll}` : ""}`;

/**
 * The settings worth comparing on this machine: one thread per vCPU (the old rule), one per physical core, one per
 * physical core but the client's; each with llama.cpp's default polling and with polling off.
 */
export function launchCandidates(machine: LaunchMachine): Candidate[] {
  const threads = [...new Set([machine.vcpu, machine.physicalCores, Math.max(1, machine.physicalCores - CLIENT_CORES)])].sort((a, b) => b - a);
  return threads.flatMap((t) => [{ threads: t }, { threads: t, poll: 0 }]).map((c) => ({ ...c, name: candidateName(c) }));
}

export interface MatrixOptions {
  candidates: Candidate[];
  users: number[];
  /** Hog counts to measure under; 0 is the quiet machine. */
  hogs: number[];
  durationS: number;
  /** The whole matrix is measured this many times; each cell keeps its median round. */
  rounds: number;
  maxTokens?: number;
  progress: (line: string) => void;
}

/** One cell from its rounds: the round with the median throughput (the lower middle one for an even count). */
export function medianRound(candidate: string, hogs: number, users: number, rounds: LoadResult[]): MatrixCell {
  const sorted = [...rounds].sort((a, b) => a.requests_per_second - b.requests_per_second);
  const figures = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!figures) throw new Error(`no rounds measured for ${candidate}, ${users} users, ${hogs} hogs`);
  return { candidate, hogs, users, figures, roundsRps: rounds.map((r) => r.requests_per_second) };
}

export async function runLaunchMatrix(o: MatrixOptions): Promise<MatrixCell[]> {
  const stacks = new Map<string, LocalStack>();
  const measured = new Map<string, LoadResult[]>();
  const key = (c: string, hogs: number, users: number) => `${c}|${hogs}|${users}`;
  try {
    for (const c of o.candidates) {
      o.progress(`starting a local stack with ${c.name}`);
      stacks.set(c.name, await startLocalStack({ port: 0, launch: { threads: c.threads, threadsBatch: c.threads, ...(c.poll !== undefined ? { poll: c.poll } : {}) } }));
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const hogs of o.hogs) {
        await withHogs(hogs, async () => {
          for (const users of o.users) {
            for (const c of o.candidates) {
              const stack = stacks.get(c.name);
              if (!stack) throw new Error(`no stack for ${c.name}`);
              o.progress(`round ${round}/${o.rounds}: ${c.name}, ${users} users, ${hogs === 0 ? "quiet" : `${hogs} CPU hog${hogs > 1 ? "s" : ""}`}, ${o.durationS} s`);
              const http = new Http(stack.baseUrl, undefined, users * 2);
              try {
                const stats = await runLoad(http, stack.model.name, { users, durationMs: o.durationS * 1000, maxTokens: o.maxTokens ?? 32 });
                const k = key(c.name, hogs, users);
                measured.set(k, [...(measured.get(k) ?? []), loadFigures(stats)]);
                for (const h of [stats.latency, stats.ttft, stats.itl]) h.destroy();
              } finally {
                await http.close();
              }
            }
          }
        });
      }
    }
  } finally {
    await Promise.all([...stacks.values()].map((s) => s.stop()));
  }
  return o.hogs.flatMap((hogs) => o.users.flatMap((users) => o.candidates.map((c) => medianRound(c.name, hogs, users, measured.get(key(c.name, hogs, users)) ?? []))));
}

export interface CandidateSummary {
  candidate: string;
  /** Mean requests per second over the user counts, on the quiet machine. */
  quietRps: number;
  /** The same beside the most hogs measured. */
  contendedRps: number;
  /** Worst p99 over the user counts, quiet and beside the hogs. */
  quietP99: number;
  contendedP99: number;
}

export interface LaunchChoice {
  chosen: string;
  /** The quiet-machine tolerance: a candidate within it of the best quiet throughput "does not lose" there. */
  tolerance: number;
  summaries: CandidateSummary[];
  /** The rule and the figures that decided, in a sentence for the report. */
  reason: string;
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const r1 = (n: number) => Math.round(n * 10) / 10;

export function summarize(cells: MatrixCell[], candidates: Candidate[]): CandidateSummary[] {
  const most = Math.max(0, ...cells.map((c) => c.hogs));
  return candidates.map((c) => {
    const quiet = cells.filter((x) => x.candidate === c.name && x.hogs === 0).map((x) => x.figures);
    const contended = cells.filter((x) => x.candidate === c.name && x.hogs === most).map((x) => x.figures);
    return {
      candidate: c.name,
      quietRps: r1(mean(quiet.map((f) => f.requests_per_second))),
      contendedRps: r1(mean(contended.map((f) => f.requests_per_second))),
      quietP99: Math.max(0, ...quiet.map((f) => f.p99_latency_ms)),
      contendedP99: Math.max(0, ...contended.map((f) => f.p99_latency_ms)),
    };
  });
}

/**
 * The default is the candidate that loses least under contention without losing on a quiet machine: among those
 * whose quiet throughput is within `tolerance` of the best, the ones within `tolerance` of the best throughput
 * beside the hogs. Of those, a setting left at llama.cpp's default (poll) wins over one that changes it for less
 * than the tolerance; then the higher throughput beside the hogs.
 */
export function chooseLaunch(cells: MatrixCell[], candidates: Candidate[], tolerance = 0.1): LaunchChoice {
  const summaries = summarize(cells, candidates);
  if (summaries.length === 0) throw new Error("no candidate was measured");
  const pct = `${Math.round(tolerance * 100)}%`;
  const bestQuiet = Math.max(...summaries.map((s) => s.quietRps));
  const eligible = summaries.filter((s) => s.quietRps >= (1 - tolerance) * bestQuiet);
  const bestContended = Math.max(...eligible.map((s) => s.contendedRps));
  const near = eligible.filter((s) => s.contendedRps >= (1 - tolerance) * bestContended);
  const changes = (name: string) => (candidates.find((c) => c.name === name)?.poll === undefined ? 0 : 1);
  const [pick] = [...near].sort((a, b) => changes(a.candidate) - changes(b.candidate) || b.contendedRps - a.contendedRps);
  if (!pick) throw new Error("no candidate was measured");
  const losing = summaries.filter((s) => !eligible.includes(s));
  const reason =
    `Quiet, the best mean is ${r1(bestQuiet)} req/s; within ${pct} of it: ${eligible.map((s) => `${s.candidate} (${s.quietRps})`).join(", ")}` +
    `${losing.length ? `; losing there: ${losing.map((s) => `${s.candidate} (${s.quietRps})`).join(", ")}` : ""}. ` +
    `Beside the hogs the best of those is ${r1(bestContended)} req/s; within ${pct} of it: ${near.map((s) => `${s.candidate} (${s.contendedRps})`).join(", ")}. ` +
    `Chosen: ${pick.candidate}, ${pick.contendedRps} req/s and a worst p99 of ${pick.contendedP99} ms beside the hogs` +
    `${near.length > 1 ? ", the one of those that changes the fewest llama.cpp defaults" : ""}.`;
  return { chosen: pick.candidate, tolerance, summaries, reason };
}
