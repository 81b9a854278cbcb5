/**
 * Where the suites run: an endpoint given with --base-url, or the local stack, started for the run and stopped
 * after it. Either way the endpoint must be healthy before a test runs; if it is not, that is an
 * infrastructure error (exit 2), not a test failure.
 */
import { randomBytes } from "node:crypto";
import { waitHealthy } from "../../inference-image/local/health";
import { type LocalStack, startLocalStack } from "../../inference-image/local/stack";
import type { RunnerOptions } from "./options";
import { waitingLine } from "./wait-healthy";

export class InfrastructureError extends Error {
  override name = "InfrastructureError";
}

export interface Target {
  baseUrl: string;
  kind: "local" | "remote";
  apiKey?: string;
  localPid?: number;
  stop(): Promise<void>;
}

export interface TargetIo {
  progress: (line: string) => void;
}

export async function openTarget(o: RunnerOptions, io: TargetIo): Promise<Target> {
  const apiKey = o["api-key"];
  if (o["base-url"]) {
    const baseUrl = o["base-url"];
    try {
      await waitHealthy(baseUrl, { timeoutMs: o.wait * 1000, intervalMs: 500, onProgress: (p) => io.progress(waitingLine(baseUrl, p)) });
    } catch (e) {
      throw new InfrastructureError((e as Error).message);
    }
    return { baseUrl, kind: "remote", ...(apiKey ? { apiKey } : {}), stop: async () => undefined };
  }
  // The local stack always runs with a key, so the authentication tests have something to check.
  const key = apiKey ?? randomBytes(16).toString("hex");
  let stack: LocalStack;
  try {
    io.progress("starting the local stack (llama-server from the build cache, test model from the S3 emulator)");
    stack = await startLocalStack({ apiKey: key, port: 0, healthTimeoutMs: Math.max(o.wait, 30) * 1000, progress: (p) => p.percent === undefined && io.progress(p.step) });
  } catch (e) {
    throw new InfrastructureError(`the local stack did not come up: ${(e as Error).message}`);
  }
  return { baseUrl: stack.baseUrl, kind: "local", apiKey: key, ...(stack.server.pid !== undefined ? { localPid: stack.server.pid } : {}), stop: () => stack.stop() };
}
