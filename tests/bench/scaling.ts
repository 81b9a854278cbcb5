/** The scaling section of the bench: `npm run simulate` for each shipped stack, as its own process, read as JSON. */
import { spawn } from "node:child_process";
import type { SimulationDocument } from "../../simulate/cli";
import { ROOT } from "../helpers/paths";

export const SCALING_STACKS = ["staging", "prod"] as const;

function simulateStack(stack: string): Promise<SimulationDocument> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "simulate", "--", "--stack", stack, "--output", "json"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      // Exit 1 is a failed check: the document still says which, and the report prints it.
      if (code !== 0 && code !== 1) return reject(new Error(`npm run simulate -- --stack ${stack} exited ${code}`));
      try {
        resolve(JSON.parse(out) as SimulationDocument);
      } catch (e) {
        reject(new Error(`npm run simulate -- --stack ${stack} printed no JSON: ${(e as Error).message}`));
      }
    });
  });
}

export async function runScalingBench(progress: (line: string) => void): Promise<SimulationDocument[]> {
  const docs: SimulationDocument[] = [];
  for (const stack of SCALING_STACKS) {
    progress(`scaling: npm run simulate -- --stack ${stack}`);
    docs.push(await simulateStack(stack));
  }
  return docs;
}
