/** `npm run suite -- --suite cloud --cloud aws|gcp|hetzner [--skip-teardown]`: the real wiring. */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { ensureTestModel } from "../../../inference-image/local/test-model";
import type { StackConfig } from "../../../infra/config";
import type { RunnerOptions } from "../options";
import { errorDocument } from "../run";
import type { ResultsDocument } from "../results";
import { createSmokeStack, PROJECT } from "./automation";
import { runCloudSmoke } from "./orchestrate";
import { missingPrerequisites } from "./preflight";
import { baseConfig, estimate, smokeConfig, smokeStackName } from "./smoke-config";

const ROOT = path.resolve(__dirname, "../../..");
export const BUDGET_MINUTES = 25;

export async function cloudSmoke(o: RunnerOptions, io: { stderr: (s: string) => void }): Promise<ResultsDocument> {
  const cloud = o.cloud ?? "aws";
  const model = await ensureTestModel();
  let cfg: StackConfig;
  try {
    cfg = smokeConfig(baseConfig(ROOT), cloud, model);
  } catch (e) {
    return errorDocument("cloud", "configuration", `the smoke stack's config is invalid: ${(e as Error).message}`);
  }
  const stackName = smokeStackName(cloud, randomBytes(3).toString("hex"));
  return runCloudSmoke(
    {
      cloud,
      stackName,
      apiKey: randomBytes(24).toString("hex"),
      estimate: estimate(cfg, cloud, BUDGET_MINUTES),
      skipTeardown: o["skip-teardown"],
      budgetMs: BUDGET_MINUTES * 60_000,
      healthTimeoutMs: 15 * 60_000,
      teardownTimeoutMs: 20 * 60_000,
      removeHint: `cd ${ROOT} && pulumi destroy --stack ${stackName} --yes && pulumi stack rm ${stackName} --yes   # project ${PROJECT}`,
    },
    {
      missing: () => missingPrerequisites(cloud, process.env),
      create: (name, apiKey) => createSmokeStack(ROOT, name, cfg, cloud, model, apiKey),
      onInterrupt: (handler) => {
        process.on("SIGINT", handler);
        process.on("SIGTERM", handler);
        return () => {
          process.off("SIGINT", handler);
          process.off("SIGTERM", handler);
        };
      },
    },
    { log: (line) => io.stderr(`${line}\n`) },
  );
}
