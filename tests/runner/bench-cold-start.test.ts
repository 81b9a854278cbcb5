/**
 * The cold-start benchmark's parts that can be checked without a 1 GiB model: the projection's arithmetic, the
 * defaults it reads from boot.sh, the report, and every fetch step run for real against the S3 emulator with the
 * tiny model (each downloads the object whole, and each that verifies fails on a wrong sha256).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelStore, startModelStore } from "../../local/cloud/model-store";
import { ensureTestModel, type TestModel } from "../../local/toolchain/test-model";
import { sha256 } from "../../local/toolchain/tiny-model";
import { bootDefault, fetchSteps, figure, otherMs, stepEnv, timedShell } from "../bench/cold-start";
import { projectColdStart, rcloneDefaultStreams } from "../bench/cold-start-projection";
import { COLD_START_GOAL, coldStartMarkdown, coldStartTable } from "../bench/cold-start-report";
import { coldStartFixture } from "../fixtures/bench/cold-start";

describe("the cold-start projection", () => {
  const inputs = { sizeBytes: 4.25e9, streams: [1, 5], perConnectionBytesPerS: 85e6, hashBytesPerS: 1.7e9, loadMsPerByte: 0.5 / 1e6, otherMs: 300 };

  it("adds download at the per-stream rate, hash, load and the measured rest", () => {
    const p = projectColdStart(inputs, 5);
    expect(p.rows).toEqual([
      { streams: 1, download_s: 50, hash_s: 2.5, load_s: 2.1, other_s: 0.3, boot_to_healthy_s: 54.9, ratio_to_transfer: 1.1, ratio_to_bare_copy: 4.39 },
      { streams: 5, download_s: 10, hash_s: 2.5, load_s: 2.1, other_s: 0.3, boot_to_healthy_s: 14.9, ratio_to_transfer: 1.49, ratio_to_bare_copy: 1.19 },
    ]);
    expect(p).toMatchObject({ bare_copy_streams: 4, bare_copy_s: 12.5, per_connection_mb_s: 85 });
    // 120 s less the 0.3 s rest, over 1/(5 * 85e6) + 1/1.7e9 + 0.5e-9 seconds per byte.
    expect(p.size_filling_aws_notice_gb).toBe(Math.round((120 - 0.3) / (1 / 425e6 + 1 / 1.7e9 + 0.5e-9) / 1e9));
  });

  it("never counts a negative rest, and refuses rates that are not positive", () => {
    expect(projectColdStart({ ...inputs, otherMs: -250 }).rows[0]?.other_s).toBe(0);
    expect(() => projectColdStart({ ...inputs, hashBytesPerS: 0 })).toThrow(/hashBytesPerS must be positive \(got 0\)/);
  });

  it("opens the streams a bare rclone copy would: one below 250 MiB, then one per 250 MiB from 2 to 4", () => {
    const mib = 1024 ** 2;
    expect([100 * mib, 250 * mib, 600 * mib, 1000 * mib, 4683073184].map(rcloneDefaultStreams)).toEqual([1, 2, 2, 4, 4]);
  });
});

describe("the cold-start benchmark's inputs and report", () => {
  it("reads the stream defaults from boot.sh itself", () => {
    expect(bootDefault("HI_FETCH_STREAMS")).toBe(16);
    expect(bootDefault("HI_FETCH_CUTOFF_MIB")).toBe(64);
    expect(bootDefault("HI_FETCH_STREAMS", "STREAMS=${HI_FETCH_STREAMS:-7}")).toBe(7);
    expect(() => bootDefault("HI_NOPE")).toThrow(/no numeric default for HI_NOPE/);
  });

  it("keeps every run and the median of odd and even counts", () => {
    expect(figure([300, 100, 200])).toEqual({ median: 200, runs: [300, 100, 200] });
    expect(figure([4, 1, 3, 2]).median).toBe(3);
  });

  it("takes the boot path's rest per round, then the median", () => {
    // Round 2 is slow throughout: its boot time is mostly its own slow download, not rest.
    expect(otherMs([3000, 6000, 3100], [1500, 4200, 1550], [800, 900, 820], [600, 700, 610])).toBe(120);
  });

  it("describes the streams against one stream whichever way the loopback figures came out", () => {
    const c = coldStartFixture();
    expect(coldStartMarkdown(c)).toContain("Here 16 streams fetch the object 2.0× as fast as one (3.11 s against 1.59 s).");
    const same = { ...c, variants: c.variants.map((v) => (v.id === "transfer-1" ? { ...v, ms: { median: 1600, runs: [1600] } } : v)) };
    expect(coldStartMarkdown(same)).toContain("Here one stream fetches the object about as fast as 16 (1.60 s against 1.59 s).");
  });

  it("puts every figure, both ratios and the projection in the table and the markdown", () => {
    const c = coldStartFixture();
    const md = coldStartMarkdown(c);
    for (const text of [coldStartTable(c), md]) {
      for (const f of ["3.71", "4.07", "1.59", "3.11", "2.39", "4.92", "6.86", "0.84", "3.22", "0.70", "0.91", "2.34"]) expect(text).toContain(f);
      for (const r of c.projection.rows) expect(text).toContain(String(r.boot_to_healthy_s));
    }
    expect(md).toMatch(/\*\*Boot-to-healthy is 0\.91× the bare `rclone copyto`\*\* \(goal: at most 1\.3×; met\)/);
    expect(md).toMatch(/\*\*2\.34× its own download alone\*\*/);
    expect(md).toContain("4683073184 bytes");
    expect(md).toContain("runbook.md#cold-start-when-to-bake-the-model-in");
  });

  it("says so when the goal is missed", () => {
    expect(coldStartMarkdown(coldStartFixture({ ratio_to_bare_copy: COLD_START_GOAL + 0.01 }))).toMatch(/goal: at most 1\.3×; \*\*not met\*\*/);
  });
});

describe("the fetch steps against the S3 emulator", () => {
  let model: TestModel;
  let store: ModelStore;
  const key = "models/steps.gguf";
  beforeAll(async () => {
    model = await ensureTestModel();
    store = await startModelStore();
    await store.put(model.path, key);
  });
  afterAll(async () => store?.stop());

  it.each(fetchSteps().map((s) => [s.id, s] as const))("%s downloads the whole object, and fails on a wrong sha256 if it verifies", async (id, step) => {
    const dir = mkdtempSync(path.join(tmpdir(), "hi-steps-"));
    const dst = path.join(dir, "copy.gguf");
    try {
      await timedShell(step.command, stepEnv(store, key, dst, model.sha256, 3, 1));
      expect(sha256(readFileSync(dst))).toBe(model.sha256);
      const verifies = !["bare-copy", "transfer", "transfer-1"].includes(id);
      const wrong = timedShell(step.command, stepEnv(store, key, dst, "0".repeat(64), 3, 1));
      if (verifies) await expect(wrong).rejects.toThrow(/exited 1/);
      else await expect(wrong).resolves.toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
