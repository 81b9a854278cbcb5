/**
 * The runner as the team runs it: no --base-url, so it starts the local stack (real llama-server, the boot path,
 * the S3 emulator), runs every suite against it, and stops it.
 */
import { describe, expect, it } from "vitest";
import { runScript } from "../helpers/cli";
import { resultsValidator } from "../helpers/results-schema";
import type { ResultsDocument } from "../suites/results";
import { REGISTRY } from "../suites/registry";
import { suitesFor } from "../suites/run";

describe("runner against the local stack", () => {
  it("every suite passes, nothing is skipped, and the JSON matches the published schema", async () => {
    const r = await runScript("suite.ts", ["--suite", "all", "--output", "json", "--duration", "3", "--concurrency", "2", "--soak-requests", "12"]);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(resultsValidator()(doc)).toEqual([]);
    expect(doc.tests.filter((t) => t.status !== "passed")).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.target?.kind).toBe("local");
    const expected = suitesFor("all").reduce((n, suite) => n + REGISTRY[suite].length, 0);
    expect(doc.summary).toMatchObject({ total: expected, passed: expected, failed: 0, skipped: 0 });

    const load = doc.load_test;
    expect(load).toBeDefined();
    if (!load) return;
    expect(load.users).toBe(2);
    expect(load.requests).toBeGreaterThan(0);
    expect(load.errors).toBe(0);
    expect(load.output_tokens).toBeGreaterThan(0);
    expect(load.ttft_p50_ms).toBeGreaterThan(0);
    expect(load.ttft_p50_ms).toBeLessThanOrEqual(load.p50_latency_ms);
    expect(load.itl_p50_ms).toBeGreaterThan(0);
    expect(load.runner_ceiling_rps ?? 0).toBeGreaterThan(load.requests_per_second * 5);

    const memory = doc.tests.find((t) => t.name.startsWith("integration/server memory"));
    expect(memory?.metrics?.rss_start_mib).toBeGreaterThan(0);
    const malformed = doc.tests.find((t) => t.name === "contract/invalid input: malformed JSON body");
    expect(malformed?.notes?.join()).toMatch(/known deviation/);
    // llama-server serves what OpenAI refuses: each case passes only as its named deviation, and says so.
    const refused = doc.tests.filter((t) => t.name.startsWith("contract/refused by OpenAI:"));
    expect(refused).toHaveLength(4);
    for (const t of refused) {
      expect(t.metrics?.status, t.name).toBe(200);
      expect(t.notes?.join(), t.name).toMatch(/^known deviation: llama\.cpp \(build b1-de3ff81, release v0\.5\.0\)/);
    }
  }, 120_000);

  it("text output shows each test, the summary and the load table", async () => {
    const r = await runScript("suite.ts", ["--suite", "load", "--duration", "2", "--concurrency", "1"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/PASS {2}load\/streaming users for the duration/);
    expect(r.stderr).toMatch(/\[load\] 1\/2 s {2}users 1 {2}requests \d+ {2}errors 0/);
    expect(r.stdout).toMatch(/2 passed, 0 failed, 0 skipped of 2/);
    expect(r.stdout).toMatch(/TTFT p50/);
    expect(r.stdout).toMatch(/exit code 0/);
  }, 60_000);
});
