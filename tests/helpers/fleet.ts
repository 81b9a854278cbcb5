import { vi } from "vitest";
import { CONFIG_NAMESPACE } from "../../infra/config";
import { type CapturedResource, startMockRuntime } from "../../plan/mock-runtime";
import { readStackFile } from "../../plan/stack-file";
import { ROOT } from "./paths";


export interface ProgramRun {
  resources: CapturedResource[];
  outputs: Record<string, unknown>;
}

/**
 * Runs the real program (infra/index.ts) for a stack file under the mock runtime.
 * `overrides` replaces whole top-level config values, e.g. { "hybrid-inference:aws": {...} }.
 */
export interface RunOptions {
  root?: string;
  overrides?: Record<string, unknown>;
  /** Extra config keys to mark secret. */
  secrets?: string[];
  /** Do not give the API key secret a stand-in. */
  withoutApiKey?: boolean;
}

export async function runProgram(stack: string, opts: RunOptions = {}): Promise<ProgramRun> {
  const file = readStackFile(opts.root ?? ROOT, stack, opts.withoutApiKey ? [] : [`${CONFIG_NAMESPACE}:apiKey`]);
  const config = { ...file.config };
  for (const [k, v] of Object.entries(opts.overrides ?? {})) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  const runtime = await startMockRuntime({ project: "hybrid-inference", stack, config, secretKeys: [...file.secretKeys, ...(opts.secrets ?? [])] });
  vi.resetModules();
  let program: Record<string, unknown>;
  try {
    program = (await import("../../infra/index")) as Record<string, unknown>;
  } catch (e) {
    const registered = await runtime.settle();
    if (registered.length > 0) throw new Error(`the program failed after registering ${registered.length} resources: ${(e as Error).message}`);
    throw e;
  }
  const resources = await runtime.settle();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(program)) outputs[k] = await resolveDeep(v);
  return { resources, outputs };
}

async function resolveDeep(v: unknown): Promise<unknown> {
  const pulumi = await import("@pulumi/pulumi");
  if (pulumi.Output.isInstance(v)) return new Promise((resolve) => v.apply((x) => { resolve(x); return x; }));
  if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = await resolveDeep(e);
    return out;
  }
  return v;
}

export function ofType(resources: CapturedResource[], type: string): CapturedResource[] {
  return resources.filter((r) => r.type === type);
}

export function one(resources: CapturedResource[], type: string, nameIncludes = ""): CapturedResource {
  const found = resources.filter((r) => r.type === type && r.name.includes(nameIncludes));
  if (found.length !== 1) throw new Error(`expected one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.length}`);
  return found[0] as CapturedResource;
}
