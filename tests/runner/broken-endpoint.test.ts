/** The runner against a fake endpoint that breaks one rule at a time: exactly the tests guarding it fail. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAi, startFakeOpenAi } from "../fixtures/servers/fake-openai";
import { resultsValidator } from "../helpers/results-schema";
import { failedNames, runJson } from "../helpers/suite-cli";

const KEY = "test-key";
let fake: FakeOpenAi;
const validate = resultsValidator();

beforeAll(async () => {
  fake = await startFakeOpenAi("none", KEY);
});
afterAll(async () => fake.close());

async function run(suite: string, extra: string[] = []) {
  const r = await runJson(["--suite", suite, "--base-url", fake.baseUrl, "--api-key", KEY, "--wait", "2", ...extra]);
  expect(validate(r.doc)).toEqual([]);
  return r;
}

describe("runner against a fake endpoint", () => {
  it("a conforming endpoint passes smoke and contract with exit 0, and needs no deviation", async () => {
    fake.fault = "none";
    for (const suite of ["smoke", "contract"]) {
      const { code, doc } = await run(suite);
      expect(failedNames(doc)).toEqual([]);
      expect(doc.summary.skipped).toBe(0);
      expect(code).toBe(0);
      expect(doc.tests.flatMap((t) => t.notes ?? []).filter((n) => n.startsWith("known deviation"))).toEqual([]);
    }
  });

  it("what OpenAI refuses (empty messages, an unknown role, an unknown model, a negative temperature) gets a 4xx with an error object", async () => {
    fake.fault = "none";
    const { doc } = await run("contract");
    const refused = doc.tests.filter((t) => t.name.startsWith("contract/refused by OpenAI:"));
    expect(refused.map((t) => [t.name, t.status, t.metrics?.status])).toEqual([
      ["contract/refused by OpenAI: chat with empty messages", "passed", 400],
      ["contract/refused by OpenAI: chat message with an unknown role", "passed", 400],
      ["contract/refused by OpenAI: unknown model", "passed", 404],
      ["contract/refused by OpenAI: negative temperature", "passed", 400],
    ]);
  });

  it("dropping choices fails the answer and schema tests, and nothing else", async () => {
    fake.fault = "drop-choices";
    const smoke = await run("smoke");
    expect(smoke.code).toBe(1);
    expect(failedNames(smoke.doc)).toEqual(["smoke/chat completions answer with an assistant message", "smoke/completions answer with text and usage"]);
    expect(smoke.doc.tests.find((t) => t.name.startsWith("smoke/completions"))?.error).toMatch(/choices/);
    const contract = await run("contract");
    expect(failedNames(contract.doc)).toEqual(["contract/chat completions response matches the OpenAI ChatCompletion type", "contract/completions response matches the OpenAI Completion type"]);
    expect(contract.doc.tests.find((t) => t.name.startsWith("contract/completions response"))?.error).toMatch(/choices/);
  });

  it("a 500 from completions fails the tests that use completions, with the status in the error", async () => {
    fake.fault = "completions-500";
    const { code, doc } = await run("smoke");
    expect(code).toBe(1);
    expect(failedNames(doc)).toEqual(["smoke/completions answer with text and usage", "smoke/short completion latency under the threshold"]);
    expect(doc.tests.find((t) => t.name.startsWith("smoke/completions"))?.error).toMatch(/500/);
  });

  it("a stream without [DONE] fails both streaming contract tests", async () => {
    fake.fault = "no-done";
    const { doc } = await run("contract");
    expect(failedNames(doc)).toEqual(["contract/chat stream: role delta first, content deltas, finish_reason, usage, [DONE]", "contract/completions stream: SSE framing, chunk schema, finish_reason, usage, [DONE]"]);
    expect(doc.tests.filter((t) => t.status === "failed").every((t) => /\[DONE\]/.test(t.error ?? ""))).toBe(true);
  });

  it("an endpoint that hangs on invalid input fails every error case by its deadline, not the run", async () => {
    fake.fault = "hang-on-invalid";
    const { code, doc } = await run("contract", ["--timeout", "1"]);
    expect(code).toBe(1);
    const failed = doc.tests.filter((t) => t.status === "failed");
    expect(failed.map((t) => t.name).every((n) => n.startsWith("contract/invalid input:") || n.startsWith("contract/refused by OpenAI:"))).toBe(true);
    expect(failed).toHaveLength(10);
    expect(failed.every((t) => /timed out after 1 s/.test(t.error ?? ""))).toBe(true);
  });

  it("missing usage fails the load test: output tokens are never guessed", async () => {
    fake.fault = "no-usage";
    const load = await run("load", ["--duration", "1", "--concurrency", "2"]);
    expect(load.code).toBe(1);
    const streaming = load.doc.tests.find((t) => t.name === "load/streaming users for the duration");
    expect(streaming?.status).toBe("failed");
    expect(streaming?.error).toMatch(/usage/);
    expect(load.doc.load_test?.output_tokens).toBe(0);
  });

  it("an endpoint that never becomes healthy is an infrastructure error (exit 2), not a failure", async () => {
    fake.fault = "health-503";
    const { code, doc } = await run("smoke");
    expect(code).toBe(2);
    expect(doc.error?.kind).toBe("infrastructure");
    expect(doc.error?.message).toMatch(/503/);
  });

  it("an endpoint that requires a key the runner lacks is a configuration error (exit 3)", async () => {
    fake.fault = "none";
    const r = await runJson(["--suite", "smoke", "--base-url", fake.baseUrl, "--wait", "2"]);
    expect(r.code).toBe(3);
    expect(r.doc.error?.message).toMatch(/requires an API key/);
  });
});
