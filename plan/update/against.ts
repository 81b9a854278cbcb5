/**
 * The plan an update starts from: a plan JSON (`npm run plan -- --output json`) or a git ref, whose tree is
 * exported to a temporary directory and planned there with this checkout's node_modules, at the same epoch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PlanResource } from "../plan";
import type { AgainstInfo } from "./update-plan";

export class AgainstError extends Error {
  override name = "AgainstError";
}

export interface Against {
  info: AgainstInfo;
  resources: PlanResource[];
  /** The epoch the old plan was made at; the new side runs at the same one. */
  epoch: Date;
}

function fromJson(text: string, what: string): { resources: PlanResource[]; epoch: Date } {
  let doc: { epoch?: unknown; resources?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new AgainstError(`${what} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.resources)) throw new AgainstError(`${what} has no resources: it is not the JSON of npm run plan -- --output json`);
  if (typeof doc.epoch !== "string" || Number.isNaN(Date.parse(doc.epoch))) {
    throw new AgainstError(`${what} has no epoch: it was made before update plans existed, and its keys and certificates cannot be compared`);
  }
  const resources = doc.resources as PlanResource[];
  for (const r of resources) {
    if (typeof r?.urn !== "string" || !r.options || !Array.isArray(r.options.replaceOnChanges) || !Array.isArray(r.dependencies)) {
      throw new AgainstError(`${what} lists ${String(r?.urn)} without the options and dependencies update plans read: it was made before update plans existed`);
    }
  }
  return { resources, epoch: new Date(doc.epoch) };
}

function git(root: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Plans `stack` as it was at a commit. */
function planAtCommit(root: string, commit: string, stack: string, epoch: Date, ref: string): PlanResource[] {
  const dir = mkdtempSync(path.join(tmpdir(), "hybrid-inference-against-"));
  try {
    const tar = path.join(dir, "tree.tar");
    const archived = git(root, ["archive", "--format=tar", "-o", tar, commit]);
    if (archived.status !== 0) throw new AgainstError(`git archive ${ref} failed: ${archived.stderr.trim()}`);
    const tree = path.join(dir, "tree");
    const untar = spawnSync("sh", ["-c", `mkdir -p "$1" && tar -xf "$2" -C "$1"`, "sh", tree, tar], { encoding: "utf8" });
    if (untar.status !== 0) throw new AgainstError(`unpacking ${ref} failed: ${untar.stderr.trim()}`);
    for (const nm of ["node_modules", path.join("policies", "node_modules")]) {
      if (existsSync(path.join(root, nm)) && existsSync(path.dirname(path.join(tree, nm)))) symlinkSync(path.join(root, nm), path.join(tree, nm));
    }
    if (!existsSync(path.join(tree, "scripts", "plan.ts"))) throw new AgainstError(`${ref} has no scripts/plan.ts: there is no offline plan to compare against`);
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", "--stack", stack, "--output", "json", "--epoch", epoch.toISOString()], {
      cwd: tree, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 300_000, env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    if (run.status === 3) {
      const unknownEpoch = /epoch/.test(run.stderr) && /Unknown option|unknown option/i.test(run.stderr);
      throw new AgainstError(unknownEpoch ? `${ref} predates update plans (its plan takes no --epoch); compare against a later commit` : `the plan of ${stack} at ${ref} fails: ${run.stderr.trim()}`);
    }
    if (run.status !== 0 && run.status !== 1) throw new AgainstError(`the plan of ${stack} at ${ref} crashed (exit ${String(run.status ?? run.signal)}): ${run.stderr.trim().slice(-2000)}`);
    return fromJson(run.stdout, `the plan of ${stack} at ${ref}`).resources;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves `--against`: an existing file is a plan JSON, anything else a git ref. */
export function resolveAgainst(root: string, against: string, stack: string, epoch: Date): Against {
  const file = path.resolve(against);
  if (existsSync(file) && statSync(file).isFile()) {
    const { resources, epoch: at } = fromJson(readFileSync(file, "utf8"), against);
    return { info: { kind: "file", ref: against }, resources, epoch: at };
  }
  const rev = git(root, ["rev-parse", "--verify", "--quiet", `${against}^{commit}`]);
  if (rev.status !== 0) throw new AgainstError(`--against ${against} is neither a plan JSON file nor a commit of this repository`);
  const commit = rev.stdout.trim();
  return { info: { kind: "git", ref: against, commit }, resources: planAtCommit(root, commit, stack, epoch, against), epoch };
}
