/**
 * The server dies in the middle of a run: the runner backs off, stops, and exits 2 (infrastructure) with the tests
 * it ran, instead of counting refused connections until the duration is up and exiting 1.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/stack/stack";
import { ROOT } from "../helpers/paths";
import { resultsValidator } from "../helpers/results-schema";
import type { ResultsDocument } from "../suites/results";

let stack: LocalStack | undefined;
afterAll(async () => stack?.stop());

describe("the endpoint goes away during a run", () => {
  it("backs off, stops and exits 2 with the tests run until then", async () => {
    stack = await startLocalStack({ port: 0 });
    const server = stack.server;
    const runner = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/suite.ts"), "--suite", "load", "--base-url", stack.baseUrl, "--duration", "60", "--concurrency", "4", "--output", "json"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    runner.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const loading = new Promise<void>((resolve) =>
      runner.stderr.on("data", (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes("[load]")) resolve();
      }),
    );
    const code = new Promise<number | null>((resolve) => runner.on("close", resolve));
    await loading;
    const killedAt = Date.now();
    process.kill(server.pid as number, "SIGKILL");
    expect(await code).toBe(2);
    const afterKill = Date.now() - killedAt;
    const doc = JSON.parse(stdout) as ResultsDocument;
    expect(resultsValidator()(doc)).toEqual([]);
    expect(doc.exit_code).toBe(2);
    expect(doc.error?.kind).toBe("infrastructure");
    expect(doc.error?.message).toMatch(/the endpoint stopped answering during load\/streaming users for the duration: \/health: nothing listens there \(ECONNREFUSED\)/);
    expect(doc.tests.map((t) => t.name)).toEqual(["load/streaming users for the duration"]);
    expect(doc.tests[0]?.error).toMatch(/the endpoint stopped answering: no request succeeded for/);
    // Well before the 60 s duration, and a handful of failed requests rather than tens of thousands.
    expect(afterKill).toBeLessThan(25_000);
    expect(doc.load_test?.errors ?? 0).toBeLessThan(200);
    expect(stderr).toMatch(/suite: infrastructure error: the endpoint stopped answering/);
  }, 90_000);
});
