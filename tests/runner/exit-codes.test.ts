/** Exit codes: 2 when the endpoint is not there, 3 for bad flags, both as a JSON document on stdout. */
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { freePort } from "../../inference-image/local/ports";
import { runScript } from "../helpers/cli";
import { resultsValidator } from "../helpers/results-schema";
import { runJson } from "../helpers/suite-cli";
import type { ResultsDocument } from "../suites/results";

const validate = resultsValidator();

describe("runner exit codes", () => {
  it("a closed port is an infrastructure error: the process exits 2 with a JSON document saying so", async () => {
    const port = await freePort();
    const r = await runScript("suite.ts", ["--suite", "smoke", "--base-url", `http://127.0.0.1:${port}`, "--wait", "1", "--output", "json"]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(validate(doc)).toEqual([]);
    expect(doc.error).toEqual({ kind: "infrastructure", message: expect.stringMatching(/ECONNREFUSED/) });
    expect(doc.tests).toEqual([]);
  });

  it("bad flags exit 3 from the process, in text too", async () => {
    const r = await runScript("suite.ts", ["--suite", "smok"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/--suite must be one of smoke, contract, integration, load, all, cloud/);
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
  ])("%j is a configuration error naming the flag", async (args, message) => {
    const { code, doc } = await runJson(args);
    expect(code).toBe(3);
    expect(validate(doc)).toEqual([]);
    expect(doc.error?.kind).toBe("configuration");
    expect(doc.error?.message).toMatch(message);
  });
});

describe("wait-healthy", () => {
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
    expect(r.stderr).toMatch(/503, the model is loading/);
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
    expect(r.stderr).toMatch(/answered 500/);
    expect(r.stderr).toMatch(/not healthy after/);
  });

  it("exits 3 without a base URL", async () => {
    const r = await runScript("wait-healthy.ts", []);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--base-url is required/);
  });
});
