/**
 * The spot watcher, for real, inside a network namespace of its own (root, iproute2 and iptables; .ci/run installs
 * them): a fake metadata endpoint posts a notice; /health must start failing while an in-flight streamed request
 * still completes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLlamaServer } from "../../local/toolchain/llama-build";
import { BOOT_SCRIPT } from "../../local/stack/stack";
import { ensureTestModel } from "../../local/toolchain/test-model";

const NS = `hi-watch-${process.pid}`;
const WATCHER = path.join(path.dirname(BOOT_SCRIPT), "spot-watcher.sh");
const FAKE = path.resolve(__dirname, "../fixtures/servers/fake-metadata.mjs");
const PORT = 8080;
const children: ChildProcess[] = [];

function inNs(cmd: string[], env: Record<string, string> = {}): ChildProcess {
  const c = spawn("ip", ["netns", "exec", NS, ...cmd], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(c);
  return c;
}
function inNsSync(cmd: string[]) {
  return spawnSync("ip", ["netns", "exec", NS, ...cmd], { encoding: "utf8", timeout: 10_000 });
}
const sh = (cmd: string[]) => {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr || r.error?.message} (the watcher test needs root, iproute2 and iptables)`);
};
const health = () => inNsSync(["curl", "-s", "-o", "/dev/null", "-m", "2", "-w", "%{http_code}", `http://127.0.0.1:${PORT}/health`]);
const until = async (what: string, fn: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const collect = (c: ChildProcess) => {
  const out = { text: "" };
  c.stdout?.on("data", (b: Buffer) => (out.text += b.toString()));
  c.stderr?.on("data", (b: Buffer) => (out.text += b.toString()));
  return out;
};
const exitOf = (c: ChildProcess) => (c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise<number | null>((r) => c.once("exit", r)));

beforeAll(async () => {
  const { binary } = await ensureLlamaServer();
  const model = await ensureTestModel();
  spawnSync("ip", ["netns", "del", NS]);
  sh(["ip", "netns", "add", NS]);
  sh(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"]);
  inNs([binary, "-m", model.path, "--host", "127.0.0.1", "--port", String(PORT), "-t", "1", "-np", "1", "-c", "8192", "--metrics"]);
  inNs([process.execPath, FAKE, "8181"]);
  await until("llama-server in the namespace", () => health().stdout === "200");
});

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  spawnSync("ip", ["netns", "del", NS]);
});

describe("the spot interruption watcher", () => {
  it("on a scale-in (the group's target lifecycle state is Terminated) drains, then completes the terminate hook with the role's credentials", async () => {
    const watcher = inNs(["bash", WATCHER], {
      HI_CLOUD: "aws", HI_PORT: String(PORT), HI_METADATA_URL: "http://127.0.0.1:8181", HI_WATCH_INTERVAL: "0.2", HI_DRAIN_SECONDS: "5",
      HI_AWS_REGION: "eu-central-1", HI_ASG_NAME: "hi-staging-aws-burst-asg", HI_LIFECYCLE_HOOK: "drain-on-terminate", HI_AUTOSCALING_URL: "http://127.0.0.1:8181/autoscaling/",
    });
    const wlog = collect(watcher);
    await until("the watcher to poll", () => wlog.text.includes("watching aws metadata"));
    expect(health().stdout).toBe("200");
    expect(inNsSync(["curl", "-s", "-X", "POST", "http://127.0.0.1:8181/terminate"]).status).toBe(0);
    expect(await exitOf(watcher)).toBe(0);
    expect(wlog.text).toContain("scale-in notice: refusing new connections");
    expect(wlog.text).toMatch(/drained after \d+s/);
    expect(wlog.text).toContain("completed lifecycle hook drain-on-terminate for i-0fakefakefake0001");
    const calls = JSON.parse(inNsSync(["curl", "-s", "http://127.0.0.1:8181/calls"]).stdout) as Record<string, string>[];
    expect(calls).toEqual([{ Action: "CompleteLifecycleAction", Version: "2011-01-01", AutoScalingGroupName: "hi-staging-aws-burst-asg", LifecycleHookName: "drain-on-terminate", InstanceId: "i-0fakefakefake0001", LifecycleActionResult: "CONTINUE" }]);
    inNsSync(["iptables", "-F", "INPUT"]);
    expect(inNsSync(["curl", "-s", "-X", "POST", "http://127.0.0.1:8181/reset"]).status).toBe(0);
    expect(health().stdout).toBe("200");
  });

  it("on an AWS notice, fails /health for new connections while the in-flight stream completes", async () => {
    const watcher = inNs(["bash", WATCHER], { HI_CLOUD: "aws", HI_PORT: String(PORT), HI_METADATA_URL: "http://127.0.0.1:8181", HI_WATCH_INTERVAL: "0.2", HI_DRAIN_SECONDS: "60" });
    const wlog = collect(watcher);
    await until("the watcher to poll", () => wlog.text.includes("watching aws metadata"));
    expect(health().stdout).toBe("200");

    const body = JSON.stringify({ prompt: "Once upon a time", max_tokens: 6000, stream: true, ignore_eos: true });
    const stream = inNs(["curl", "-sS", "-N", "-H", "content-type: application/json", "-d", body, `http://127.0.0.1:${PORT}/v1/completions`]);
    const sout = collect(stream);
    await until("the first streamed token", () => sout.text.includes("data: "));

    expect(inNsSync(["curl", "-s", "-X", "POST", "http://127.0.0.1:8181/trigger"]).status).toBe(0);
    await until("the drain to start", () => wlog.text.includes("refusing new connections"), 10_000);
    const during = health();
    expect(during.status).toBe(7); // curl: connection refused
    expect(stream.exitCode).toBeNull(); // still streaming

    expect(await exitOf(stream)).toBe(0);
    expect(sout.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const chunks = sout.text.split("\n").filter((l) => l.startsWith("data: {"));
    expect(chunks.length).toBeGreaterThan(100);
    expect(await exitOf(watcher)).toBe(0);
    expect(wlog.text).toMatch(/drained after \d+s \(0 connection\(s\) left\)/);
    expect(inNsSync(["iptables", "-S", "INPUT"]).stdout).toContain(`--dport ${PORT}`);
    inNsSync(["iptables", "-F", "INPUT"]);
    expect(health().stdout).toBe("200");
  });

  it("on a GCP preemption, drains too", async () => {
    // The fake's notice is still posted from the first test: a GCE watcher sees preempted=TRUE at once.
    const watcher = inNs(["bash", WATCHER], { HI_CLOUD: "gcp", HI_PORT: String(PORT), HI_METADATA_URL: "http://127.0.0.1:8181", HI_WATCH_INTERVAL: "1", HI_DRAIN_SECONDS: "5" });
    const wlog = collect(watcher);
    expect(await exitOf(watcher)).toBe(0);
    expect(wlog.text).toContain("interruption notice");
    expect(health().status).toBe(7);
    inNsSync(["iptables", "-F", "INPUT"]);
  });

  it("drains at once on SIGUSR1 (the GCE shutdown script's signal)", async () => {
    const watcher = inNs(["bash", WATCHER], { HI_CLOUD: "aws", HI_PORT: String(PORT), HI_METADATA_URL: "http://127.0.0.1:1", HI_WATCH_INTERVAL: "30", HI_DRAIN_SECONDS: "5" });
    const wlog = collect(watcher);
    await until("the watcher to start", () => wlog.text.includes("watching aws metadata"));
    // ip netns exec runs bash as a child: signal the watcher itself.
    const pid = spawnSync("pgrep", ["-f", `bash ${WATCHER}`], { encoding: "utf8" }).stdout.trim().split("\n").pop();
    spawnSync("kill", ["-USR1", String(pid)]);
    expect(await exitOf(watcher)).toBe(0);
    expect(wlog.text).toContain("interruption notice");
    inNsSync(["iptables", "-F", "INPUT"]);
  });
});
