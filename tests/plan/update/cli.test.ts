/**
 * `npm run plan -- --against` as a user runs it: in a repository whose HEAD is this checkout's tree, after a model
 * roll edited into the prod stack file, against the commit and against a plan JSON made before the edit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { UpdatePlan } from "../../../plan/update/update-plan";
import { ROOT } from "../../helpers/paths";

let repo: string;
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: repo, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const git = (...args: string[]) => {
  const r = spawnSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "update-plan-cli-"));
  const files = spawnSync("git", ["-C", ROOT, "ls-files", "-co", "--exclude-standard"], { encoding: "utf8" }).stdout;
  const copy = spawnSync("sh", ["-c", `tar -C "$1" --ignore-failed-read -cf - -T - | tar -C "$2" -xf -`, "sh", ROOT, repo], { input: files, encoding: "utf8" });
  if (copy.status !== 0) throw new Error(copy.stderr);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"));
  writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "as checked out");
}, 60_000);

describe("the update plan from the command line", () => {
  it("after a model roll, against HEAD and against HEAD's plan JSON: exit 0, every prod base server replaced one at a time", () => {
    const before = run(["--stack", "prod", "--output", "json"]);
    expect(before.code, before.err).toBe(0);
    writeFileSync(path.join(repo, "before.json"), before.out);
    const stackFile = path.join(repo, "Pulumi.prod.yaml");
    writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace(/sha256: [0-9a-f]{64}/, `sha256: ${"a1".repeat(32)}`));
    for (const against of ["HEAD", "before.json"]) {
      const r = run(["--stack", "prod", "--against", against, "--output", "json"]);
      expect(r.code, r.err).toBe(0);
      const u = JSON.parse(r.out) as UpdatePlan;
      expect(u.against).toMatchObject(against === "HEAD" ? { kind: "git", commit: git("rev-parse", "HEAD").trim() } : { kind: "file" });
      const base = u.steps.filter((s) => s.type === "hcloud:index/server:Server" && s.name.includes("-base-"));
      expect(base.map((s) => `${s.action} ${s.replaceReasons.map((x) => x.path).join()}`)).toEqual(["replace userData", "replace userData", "replace userData"]);
      expect(new Set(base.map((s) => s.order)).size).toBe(3);
      expect(u.summary).toMatchObject({ passed: true, mandatory: 0, replace: expect.any(Number) });
    }
  }, 120_000);

  it("refuses what it cannot compare, naming it, with exit 3", () => {
    const bad = run(["--stack", "prod", "--against", "no-such-ref"]);
    expect([bad.code, bad.err]).toEqual([3, expect.stringContaining("--against no-such-ref is neither a plan JSON file nor a commit")]);
    writeFileSync(path.join(repo, "old.json"), JSON.stringify({ stack: "prod", resources: [] }));
    const old = run(["--stack", "prod", "--against", "old.json"]);
    expect([old.code, old.err]).toEqual([3, expect.stringContaining("has no epoch: it was made before update plans existed")]);
    const accept = run(["--stack", "prod", "--accept", "outage"]);
    expect([accept.code, accept.err]).toEqual([3, expect.stringContaining("--accept applies to an update plan")]);
    const rule = run(["--stack", "prod", "--against", "HEAD", "--accept", "downtime"]);
    expect([rule.code, rule.err]).toEqual([3, expect.stringContaining("--accept takes replace-refused, outage, overlap, data-loss (got downtime)")]);
  }, 60_000);
});
