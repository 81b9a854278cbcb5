import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface ToolResult {
  status: number;
  output: string;
}

function run(cmd: string, args: string[], input?: string): ToolResult {
  const r = spawnSync(cmd, args, { input, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} is not installed (.ci/run installs it): ${r.error.message}`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** Runs the real shellcheck on a bash script given as text. */
export function shellcheck(script: string): ToolResult {
  return run("shellcheck", ["--shell=bash", "--severity=style", "-"], script);
}

/** Runs the real `cloud-init schema` on a user-data document given as text. */
export function cloudInitSchema(userData: string): ToolResult {
  const dir = mkdtempSync(path.join(tmpdir(), "cloud-init-"));
  const file = path.join(dir, "user-data.yaml");
  writeFileSync(file, userData);
  return run("cloud-init", ["schema", "--config-file", file]);
}
