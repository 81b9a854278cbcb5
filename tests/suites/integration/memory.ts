/** The local server's resident memory stays flat over a bounded soak (no leak per request). */
import { readFileSync } from "node:fs";
import { expect, Skip, type SuiteContext, type SuiteTest } from "../framework";
import { chatBody, completionBody } from "../requests";

const MAX_GROWTH_MIB = 48;

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

async function soak(ctx: SuiteContext, requests: number): Promise<void> {
  const width = Math.max(2, ctx.slots ?? 2);
  for (let done = 0; done < requests; done += width) {
    const batch = Array.from({ length: Math.min(width, requests - done) }, (_, i) =>
      (done + i) % 2 === 0
        ? ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 32, prompt: `soak ${done + i}` }), { signal: ctx.signal })
        : ctx.http.stream("/v1/chat/completions", chatBody(ctx, { max_tokens: 32 }), { signal: ctx.signal }),
    );
    for (const r of await Promise.all(batch)) expect(r.status === 200, `a soak request answered ${r.status}`);
  }
}

export const memory: SuiteTest = {
  name: "server memory stays stable over a bounded soak",
  timeoutMs: 120_000,
  async run(ctx) {
    const pid = ctx.localPid;
    if (pid === undefined) throw new Skip("memory is measured on the local stack only (the runner needs the server's pid)");
    const warm = Math.max(4, Math.round(ctx.options.soakRequests / 4));
    await soak(ctx, warm);
    const start = rssMiB(pid);
    await soak(ctx, ctx.options.soakRequests);
    const end = rssMiB(pid);
    const metrics = { rss_start_mib: Math.round(start), rss_end_mib: Math.round(end), growth_mib: Math.round((end - start) * 10) / 10, requests: ctx.options.soakRequests, limit_mib: MAX_GROWTH_MIB };
    expect(end - start <= MAX_GROWTH_MIB, `RSS grew by ${metrics.growth_mib} MiB over ${ctx.options.soakRequests} requests (limit ${MAX_GROWTH_MIB} MiB)`, metrics);
    return { metrics };
  },
};
