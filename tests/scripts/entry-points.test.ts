/**
 * Every entry point in scripts/ behaves like a well-made command-line tool: --help prints its usage and exits 0,
 * a bad flag or value exits 3 with the message on stderr, and the process exits only after its output is written
 * out, even through a pipe whose reader is slow (a real shell pipeline, as `| jq` in a script would be).
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAi, startFakeOpenAi } from "../fixtures/servers/fake-openai";
import { runScript } from "../helpers/cli";
import { ROOT } from "../helpers/paths";
import type { ResultsDocument } from "../suites/results";

const ENTRY_POINTS = readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".ts")).sort();

/** A bad value for each entry point (the flag it names), besides the unknown flag every one refuses. */
const BAD_VALUES: Record<string, [string[], RegExp]> = {
  "bench.ts": [["--runs", "0"], /--runs must be an integer from 1 to 20/],
  "local-stack.ts": [["--port", "70000"], /--port must be a port number from 1 to 65535 \(got 70000\)/],
  "plan.ts": [["--stack", "staging", "--output", "xml"], /--output must be json or table \(got xml\)/],
  "simulate.ts": [["--stack", "staging", "--trace", "weekly"], /--trace must be all or one of step-up, .* \(got weekly\)/],
  "suite.ts": [["--concurrency", "0"], /--concurrency must be an integer from 1 to 256 \(got "0"\)/],
  "wait-healthy.ts": [["--base-url", "http://127.0.0.1:9", "--wait", "4000"], /--wait must be seconds from 0 to 3600 \(got "4000"\)/],
  "gen-label-support.ts": [["extra"], /unexpected argument extra; this command takes no flags/],
  "gen-policy-docs.ts": [["extra"], /unexpected argument extra; this command takes no flags/],
  "gen-results-schema.ts": [["extra"], /unexpected argument extra; this command takes no flags/],
  "gen-sdk-limits.ts": [["extra"], /unexpected argument extra; this command takes no flags/],
  "gen-provider-rules-docs.ts": [["extra"], /unexpected argument extra; this command takes no flags/],
  "pin-image.ts": [["--stack", "staging", "--image", "ghcr.io/acme-platform/hybrid-inference-server:v1"], /must be pinned by digest/],
};

describe("entry points", () => {
  it("are all covered here", () => {
    expect(ENTRY_POINTS).toEqual(Object.keys(BAD_VALUES).sort());
  });

  it("print their usage on --help and exit 0", async () => {
    const runs = await Promise.all(ENTRY_POINTS.map(async (script) => ({ script, r: await runScript(script, ["--help"]) })));
    for (const { script, r } of runs) {
      expect(r.code, script).toBe(0);
      expect(r.stdout, script).toMatch(/^usage: npm run [a-z:-]+/);
      expect(r.stderr, script).toBe("");
    }
  });

  it("exit 3 on an unknown flag, with the message and the usage on stderr and nothing on stdout", async () => {
    const runs = await Promise.all(ENTRY_POINTS.map(async (script) => ({ script, r: await runScript(script, ["--no-such-flag"]) })));
    for (const { script, r } of runs) {
      expect(r.code, script).toBe(3);
      expect(r.stderr, script).toMatch(/no-such-flag/);
      expect(r.stderr, script).toMatch(/usage: npm run/);
      expect(r.stdout, script).toBe("");
    }
  });

  it("exit 3 on a bad value, naming the flag and the value", async () => {
    const runs = await Promise.all(Object.entries(BAD_VALUES).map(async ([script, [args, message]]) => ({ script, message, r: await runScript(script, args) })));
    for (const { script, message, r } of runs) {
      expect(r.code, script).toBe(3);
      expect(r.stderr, script).toMatch(message);
    }
  });
});

/** Runs `node --import tsx scripts/<script> args | (sleep 2; cat)` and returns what came out of the pipe, and its status. */
function throughSlowReader(script: string, args: string[]): Promise<{ out: string; status: number | null }> {
  const cmd = [process.execPath, "--import", "tsx", path.join("scripts", script), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  return new Promise((resolve, reject) => {
    const sh = spawn("bash", ["-o", "pipefail", "-c", `${cmd} | (sleep 2; cat)`], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    sh.stdout.on("data", (b: Buffer) => (out += b.toString()));
    sh.on("error", reject);
    sh.on("close", (status) => resolve({ out, status }));
  });
}

describe("output through a slow reader", () => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi("none");
  });
  afterAll(async () => fake.close());

  it("the plan's JSON (well over a pipe's 64 KiB) arrives whole", async () => {
    const r = await throughSlowReader("plan.ts", ["--stack", "staging", "--output", "json"]);
    expect(r.status).toBe(0);
    expect(r.out.length).toBeGreaterThan(65_536);
    const doc = JSON.parse(r.out) as { stack: string; summary: { passed: boolean } };
    expect(doc.stack).toBe("staging");
  });

  it("the runner's JSON arrives whole, with its exit code", async () => {
    const r = await throughSlowReader("suite.ts", ["--suite", "contract", "--base-url", fake.baseUrl, "--output", "json"]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.out) as ResultsDocument;
    expect(doc.summary.failed).toBe(0);
    expect(doc.tests.length).toBe(doc.summary.total);
  });
});
