import { suiteCli } from "../suites/cli";
import type { ResultsDocument } from "../suites/results";

/** Runs the runner in-process with --output json and returns its exit code and parsed document. */
export async function runJson(args: string[]): Promise<{ code: number; doc: ResultsDocument; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await suiteCli([...args, "--output", "json"], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), tty: false });
  return { code, doc: JSON.parse(stdout) as ResultsDocument, stderr };
}

export const failedNames = (doc: ResultsDocument) => doc.tests.filter((t) => t.status === "failed").map((t) => t.name).sort();
