/**
 * Exit codes: 2 when the endpoint is not there, 3 for bad flags, both as a JSON document on stdout that names the
 * suite asked for, with the message on stderr; waiting for /health says what it sees, at once, on stderr.
 */
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { freePort } from "../../local/stack/ports";
import { runScript } from "../helpers/cli";
import { resultsValidator } from "../helpers/results-schema";
import { runJson } from "../helpers/suite-cli";
import { askedSuite } from "../suites/cli";
import { DEFAULT_WAIT_S, parseRunnerArgs } from "../suites/options";
import type { ResultsDocument } from "../suites/results";
import { parseWaitArgs } from "../suites/wait-healthy";

const validate = resultsValidator();

describe("runner exit codes", () => {
  it("a closed port is an infrastructure error: the process exits 2 with a JSON document saying so, and says it on stderr at once", async () => {
    const port = await freePort();
    const r = await runScript("suite.ts", ["--suite", "smoke", "--base-url", `http://127.0.0.1:${port}`, "--wait", "1", "--output", "json"]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(validate(doc)).toEqual([]);
    expect(doc.suite).toBe("smoke");
    expect(doc.error).toEqual({ kind: "infrastructure", message: expect.stringMatching(/ECONNREFUSED/) });
    expect(doc.tests).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}/health: nothing listens there \\(ECONNREFUSED\\); waiting up to 1 s`));
    expect(r.stderr).toMatch(/suite: infrastructure error: .*not healthy after/);
  });

  it("bad flags exit 3 from the process, in text too: the message and the usage on stderr, nothing on stdout", async () => {
    const r = await runScript("suite.ts", ["--suite", "smok"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/suite: --suite must be one of smoke, contract, integration, load, fleet, all, cloud \(got "smok"\)/);
    expect(r.stderr).toMatch(/^usage: npm run suite/m);
  });

  it("the JSON error document names the suite that was asked for", async () => {
    const bad = await runJson(["--suite", "load", "--concurrency", "0"]);
    expect(bad.code).toBe(3);
    expect(bad.doc.suite).toBe("load");
    expect(bad.stderr).toMatch(/--concurrency must be an integer from 1 to 256 \(got "0"\)/);
    expect(askedSuite(["--suite=contract", "--duration", "x"])).toBe("contract");
    expect(askedSuite(["--duration", "x"])).toBe("all");
    const unknown = await runJson(["--suite", "smok"]);
    expect(unknown.doc.suite).toBeNull();
    expect(validate(unknown.doc)).toEqual([]);
    expect(unknown.doc.error?.message).toMatch(/got "smok"/);
  });

  it.each([
    [["--suite", "bogus"], /--suite must be one of/],
    [["--base-url", "ftp://example.com"], /--base-url must be an http/],
    [["--base-url", "not a url"], /--base-url must be an http/],
    [["--concurrency", "0"], /--concurrency must be an integer from 1 to 256/],
    [["--concurrency", "2.5"], /--concurrency must be an integer/],
    [["--duration", "soon"], /--duration must be/],
    [["--max-error-rate", "2"], /--max-error-rate must be a number from 0 to 1/],
    [["--api-key", ""], /--api-key must not be empty/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["--cloud", "aws"], /--cloud only applies to --suite cloud/],
    [["--suite", "cloud"], /--suite cloud needs --cloud aws\|gcp\|hetzner/],
    [["--suite", "cloud", "--cloud", "azure"], /--cloud must be one of aws, gcp, hetzner/],
    [["--suite", "fleet", "--base-url", "https://router.example.com"], /--suite fleet against --base-url needs --metrics-url/],
    [["--suite", "smoke", "--metrics-url", "http://127.0.0.1:8405/metrics"], /--metrics-url only applies to --suite fleet/],
    [["--suite", "fleet", "--metrics-url", "router:8405"], /--metrics-url must be an http/],
  ])("%j is a configuration error naming the flag", async (args, message) => {
    const { code, doc } = await runJson(args);
    expect(code).toBe(3);
    expect(validate(doc)).toEqual([]);
    expect(doc.error?.kind).toBe("configuration");
    expect(doc.error?.message).toMatch(message);
  });
});

describe("wait-healthy", () => {
  it("waits as long as the runner by default, and takes --wait (or --timeout) in seconds", () => {
    expect(parseWaitArgs(["--base-url", "http://x"]).waitS).toBe(DEFAULT_WAIT_S);
    expect(parseRunnerArgs([]).wait).toBe(DEFAULT_WAIT_S);
    expect(parseWaitArgs(["--base-url", "http://x", "--wait", "0"]).waitS).toBe(0);
    expect(parseWaitArgs(["--base-url", "http://x", "--timeout", "900"]).waitS).toBe(900);
    expect(() => parseWaitArgs(["--base-url", "http://x", "--wait", "1", "--timeout", "2"])).toThrow(/the same setting/);
    expect(() => parseWaitArgs(["--base-url", "http://x", "--wait", "soon"])).toThrow(/--wait must be seconds from 0 to 3600 \(got "soon"\)/);
  });

  it("says at once that nothing listens, then gives up with exit 2 when the time is up", async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await runScript("wait-healthy.ts", ["--base-url", `http://127.0.0.1:${port}`, "--wait", "2"]);
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/health: nothing listens there \(ECONNREFUSED\); waiting up to 2 s \(--wait\)/);
    expect(r.stderr).toMatch(/not healthy after 2\.\d s \(last answer: nothing listens there/);
  });

  it("waits out 503 (loading), reports it, and exits 0 once /health answers 200", async () => {
    let calls = 0;
    const server = createServer((_, res) => {
      calls++;
      res.writeHead(calls < 4 ? 503 : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const r = await runScript("wait-healthy.ts", ["--base-url", `http://127.0.0.1:${port}`, "--timeout", "20"]);
    server.close();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/health: 503, the model is loading; waiting up to 20 s/);
    expect(r.stdout).toMatch(/healthy after/);
    expect(calls).toBe(4);
  });

  it("reports an unexpected answer and exits 2 when the time is up", async () => {
    const server = createServer((_, res) => res.writeHead(500).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const r = await runScript("wait-healthy.ts", ["--base-url", `http://127.0.0.1:${port}`, "--timeout", "1"]);
    server.close();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/health: HTTP 500; waiting up to 1 s/);
    expect(r.stderr).toMatch(/not healthy after/);
  });

  it("exits 3 without a base URL, with the usage", async () => {
    const r = await runScript("wait-healthy.ts", []);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--base-url is required/);
    expect(r.stderr).toMatch(/usage: npm run wait-healthy/);
  });
});
