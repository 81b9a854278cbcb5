/** The local fleet's view of a stack: what the stack's program renders, run under the offline plan (render-process.ts). */
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { RenderedFleet } from "../../plan/rendered/fleet";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const RENDER_PROCESS = path.join(__dirname, "render-process.ts");

export class StackRenderError extends Error {
  override name = "StackRenderError";
  constructor(message: string, readonly configError: boolean) {
    super(message);
  }
}

export interface StackRender {
  stack: string;
  fleet: RenderedFleet;
  /** Where the offline plan says the real providers would refuse the stack (the fleet still runs what was rendered). */
  providerErrors: string[];
}

/** Renders `stack` with `apiKey` as its API key secret. A bad stack name or config is a StackRenderError with configError set. */
export function renderStack(stack: string, apiKey: string, root = PROJECT_ROOT): Promise<StackRender> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", RENDER_PROCESS, root, stack], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HI_RENDER_API_KEY: apiKey },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new StackRenderError(`stack ${stack}: ${err.trim() || `the render exited with ${code}`}`, code === 3));
      try {
        const doc = JSON.parse(out) as { fleet: RenderedFleet; providerErrors: string[] };
        resolve({ stack, fleet: doc.fleet, providerErrors: doc.providerErrors });
      } catch (e) {
        reject(new StackRenderError(`stack ${stack}: the render printed no JSON (${(e as Error).message}): ${err.slice(-500)}`, false));
      }
    });
  });
}
