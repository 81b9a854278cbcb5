/**
 * The cloud smoke's orchestration against a fake workspace whose "node" is a fake OpenAI endpoint on loopback:
 * ordering, teardown on every path (failure, timeout, Ctrl-C, blown budget), --skip-teardown, and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAi, startFakeOpenAi } from "../fixtures/servers/fake-openai";
import { resultsValidator } from "../helpers/results-schema";
import { runCloudSmoke, type SmokeDeps, type SmokeOptions, type SmokeStack } from "../suites/cloud/orchestrate";

const KEY = "smoke-key";
let node: FakeOpenAi;
const validate = resultsValidator();

beforeAll(async () => {
  node = await startFakeOpenAi("none", KEY);
});
afterAll(async () => node.close());

interface FakeWorkspace {
  deps: SmokeDeps;
  calls: string[];
  interrupt: () => void;
}

interface FakeBehaviour {
  missing?: string[];
  upFails?: string;
  /** up() never settles until cancelled. */
  upHangs?: boolean;
  destroyFails?: string;
}

function fakeWorkspace(b: FakeBehaviour = {}): FakeWorkspace {
  const calls: string[] = [];
  let handler: (() => void) | undefined;
  let cancelUp: ((e: Error) => void) | undefined;
  const stack = (name: string): SmokeStack => ({
    name,
    async up({ onOutput }) {
      calls.push("up");
      onOutput("Updating (fake)\n+ 12 to create");
      if (b.upFails) throw new Error(b.upFails);
      if (b.upHangs) await new Promise<never>((_, reject) => (cancelUp = reject));
      return { endpoint: node.baseUrl };
    },
    async destroy() {
      calls.push("destroy");
      if (b.destroyFails) throw new Error(b.destroyFails);
    },
    async remove() {
      calls.push("remove");
    },
    async cancel() {
      calls.push("cancel");
      cancelUp?.(new Error("update cancelled"));
    },
  });
  return {
    calls,
    interrupt: () => handler?.(),
    deps: {
      missing: () => b.missing ?? [],
      async create(name, apiKey) {
        calls.push(`create ${name} ${apiKey === KEY ? "with-key" : "wrong-key"}`);
        return stack(name);
      },
      onInterrupt(h) {
        calls.push("subscribe");
        handler = h;
        return () => {
          calls.push("unsubscribe");
          handler = undefined;
        };
      },
    },
  };
}

function options(extra: Partial<SmokeOptions> = {}): SmokeOptions {
  return {
    cloud: "aws",
    stackName: "smoke-aws-test",
    apiKey: KEY,
    estimate: { node: "aws m7a.large (spot)", hourlyUsd: 0.0722, budgetMinutes: 25, maxCostUsd: 0.04 },
    skipTeardown: false,
    budgetMs: 20_000,
    healthTimeoutMs: 5_000,
    healthPollMs: 100,
    teardownTimeoutMs: 5_000,
    removeHint: "pulumi destroy --stack smoke-aws-test --yes && pulumi stack rm smoke-aws-test --yes",
    ...extra,
  };
}

async function run(ws: FakeWorkspace, extra: Partial<SmokeOptions> = {}) {
  const log: string[] = [];
  const doc = await runCloudSmoke(options(extra), ws.deps, { log: (l) => log.push(l) });
  expect(validate(doc)).toEqual([]);
  const status = Object.fromEntries(doc.tests.map((t) => [t.name, t.status]));
  return { doc, log: log.join("\n"), status };
}

describe("cloud smoke orchestration", () => {
  it("creates, ups, checks health and a completion, then destroys and removes the stack, in that order", async () => {
    node.fault = "none";
    const ws = fakeWorkspace();
    const { doc, log, status } = await run(ws);
    expect(ws.calls).toEqual(["subscribe", "create smoke-aws-test with-key", "up", "destroy", "remove", "unsubscribe"]);
    expect(status).toEqual({ "cloud/create stack": "passed", "cloud/up": "passed", "cloud/health": "passed", "cloud/completion": "passed", "cloud/teardown": "passed" });
    expect(doc.exit_code).toBe(0);
    expect(log).toMatch(/time budget 25 min, estimated cost at most \$0\.04/);
    expect(log).toMatch(/\+ 12 to create/);
  });

  it("prints the budget and cost before anything else", async () => {
    const ws = fakeWorkspace();
    const lines: string[] = [];
    await runCloudSmoke(options(), { ...ws.deps, missing: () => (lines.push("<preflight>"), []) }, { log: (l) => lines.push(l) });
    expect(lines.findIndex((l) => l.includes("time budget"))).toBeLessThan(lines.indexOf("<preflight>"));
  });

  it("tears down after a failed up, and marks the later steps not reached", async () => {
    const ws = fakeWorkspace({ upFails: "error: creating EC2 Launch Template: UnauthorizedOperation" });
    const { doc, status } = await run(ws);
    expect(ws.calls).toEqual(["subscribe", "create smoke-aws-test with-key", "up", "destroy", "remove", "unsubscribe"]);
    expect(status).toMatchObject({ "cloud/up": "failed", "cloud/health": "skipped", "cloud/completion": "skipped", "cloud/teardown": "passed" });
    expect(doc.tests.find((t) => t.name === "cloud/up")?.error).toMatch(/UnauthorizedOperation/);
    expect(doc.tests.find((t) => t.name === "cloud/health")?.error).toBe("not reached: cloud/up failed");
    expect(doc.exit_code).toBe(1);
  });

  it("tears down when the node never becomes healthy", async () => {
    node.fault = "health-503";
    const ws = fakeWorkspace();
    const { doc, status } = await run(ws, { healthTimeoutMs: 1_200 });
    node.fault = "none";
    expect(status).toMatchObject({ "cloud/health": "failed", "cloud/completion": "skipped", "cloud/teardown": "passed" });
    expect(doc.tests.find((t) => t.name === "cloud/health")?.error).toMatch(/not healthy after .* 503/);
    expect(ws.calls.slice(-3)).toEqual(["destroy", "remove", "unsubscribe"]);
  });

  it("fails the completion step when the node answers wrongly, and still tears down", async () => {
    node.fault = "completions-500";
    const ws = fakeWorkspace();
    const { status, doc } = await run(ws);
    node.fault = "none";
    expect(status).toMatchObject({ "cloud/health": "passed", "cloud/completion": "failed", "cloud/teardown": "passed" });
    expect(doc.tests.find((t) => t.name === "cloud/completion")?.error).toMatch(/500/);
  });

  it("on Ctrl-C cancels the update in flight and tears down", async () => {
    const ws = fakeWorkspace({ upHangs: true });
    const pending = run(ws);
    await new Promise((r) => setTimeout(r, 100));
    ws.interrupt();
    const { doc, status, log } = await pending;
    expect(ws.calls).toEqual(["subscribe", "create smoke-aws-test with-key", "up", "cancel", "destroy", "remove", "unsubscribe"]);
    expect(status).toMatchObject({ "cloud/up": "failed", "cloud/teardown": "passed" });
    expect(doc.tests.find((t) => t.name === "cloud/up")?.error).toMatch(/interrupted/);
    expect(log).toMatch(/interrupted; cancelling and tearing down/);
    expect(doc.exit_code).toBe(1);
  });

  it("when the time budget runs out, cancels and tears down", async () => {
    const ws = fakeWorkspace({ upHangs: true });
    const { doc } = await run(ws, { budgetMs: 300 });
    expect(ws.calls).toContain("cancel");
    expect(ws.calls.slice(-3)).toEqual(["destroy", "remove", "unsubscribe"]);
    expect(doc.tests.find((t) => t.name === "cloud/up")?.error).toMatch(/time budget of 25 min ran out/);
  });

  it("--skip-teardown keeps the stack and says how to remove it", async () => {
    const ws = fakeWorkspace();
    const { doc, log } = await run(ws, { skipTeardown: true });
    expect(ws.calls).not.toContain("destroy");
    expect(ws.calls).not.toContain("remove");
    const teardown = doc.tests.find((t) => t.name === "cloud/teardown");
    expect(teardown?.status).toBe("skipped");
    expect(teardown?.error).toMatch(/pulumi destroy --stack smoke-aws-test --yes/);
    expect(log).toMatch(/kept stack smoke-aws-test; remove it with:\n {2}pulumi destroy/);
    expect(doc.exit_code).toBe(0);
  });

  it("a failed teardown fails the run loudly, with the commands to clean up", async () => {
    const ws = fakeWorkspace({ destroyFails: "error: deleting S3 Bucket: BucketNotEmpty" });
    const { doc, log } = await run(ws);
    expect(doc.tests.find((t) => t.name === "cloud/teardown")).toMatchObject({ status: "failed", error: expect.stringMatching(/BucketNotEmpty/) });
    expect(log).toMatch(/TEARDOWN FAILED.*\n {2}pulumi destroy --stack smoke-aws-test/);
    expect(doc.exit_code).toBe(1);
  });

  it("without prerequisites it spends nothing and exits 2, naming what is missing", async () => {
    const ws = fakeWorkspace({ missing: ["the Pulumi CLI", "AWS credentials"] });
    const { doc } = await run(ws);
    expect(ws.calls).toEqual([]);
    expect(doc.exit_code).toBe(2);
    expect(doc.error).toEqual({ kind: "infrastructure", message: "cannot run the aws cloud smoke; missing: the Pulumi CLI; AWS credentials" });
  });
});
