/**
 * Runs once before the suites: gives the run its own temporary directory (every suite and every process it starts
 * inherits it through TMPDIR, and it goes when the run ends, so no run leaves files in /tmp), then builds (or finds
 * cached) llama-server and the test model, so the suites that run the real server never race to build it. The first
 * build takes several minutes and shows its progress.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureLlamaServer } from "../local/toolchain/llama-build";
import { ensureTestModel } from "../local/toolchain/test-model";

export default async function setup(): Promise<() => void> {
  const runTmp = mkdtempSync(path.join(tmpdir(), "hi-tests-"));
  process.env.TMPDIR = runTmp;
  const teardown = (): void => rmSync(runTmp, { recursive: true, force: true });
  await prebuild();
  return teardown;
}

async function prebuild(): Promise<void> {
  // HI_PREBUILD=0 skips this for runs that never start llama-server (the policy workflow). Suites that need it
  // still get it, each building on demand; the build is safe to race (atomic rename) but wasteful.
  if (process.env.HI_PREBUILD === "0") return;
  let last = -1;
  const started = Date.now();
  const { binary, built } = await ensureLlamaServer((p) => {
    if (p.percent === undefined) console.log(`[setup] ${p.step}`);
    else if (p.percent >= last + 10 || p.percent === 100) {
      last = p.percent;
      console.log(`[setup] ${p.step} ${p.percent}%`);
    }
  });
  await ensureTestModel();
  if (built) console.log(`[setup] built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
