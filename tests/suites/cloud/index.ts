/** `npm run suite -- --suite cloud --cloud aws|gcp|hetzner [--skip-teardown]`: the real wiring. */
import { randomBytes } from "node:crypto";
import { request } from "undici";
import * as path from "node:path";
import { ensureTestModel } from "../../../local/toolchain/test-model";
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

const missingFor = (cloud: "aws" | "gcp" | "hetzner") => missingPrerequisites(cloud, process.env);

/** This machine's public IPv4 address as a /32 (the address a cloud sees it come from). */
async function publicIpv4(): Promise<string> {
  const res = await request("https://checkip.amazonaws.com/", { headersTimeout: 10_000, bodyTimeout: 10_000 });
  const ip = (await res.body.text()).trim();
  if (res.statusCode !== 200 || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new Error(`unexpected answer ${res.statusCode}`);
  return `${ip}/32`;
}

export async function cloudSmoke(o: RunnerOptions, io: { stderr: (s: string) => void }): Promise<ResultsDocument> {
  const cloud = o.cloud ?? "aws";
  const model = await ensureTestModel();
  const stackName = smokeStackName(cloud, randomBytes(3).toString("hex"));
  // An AWS or GCP smoke reaches its pool directly, so the pool must admit this machine's address.
  let clientCidr: string | undefined;
  if (cloud !== "hetzner" && missingFor(cloud).length === 0) {
    clientCidr = process.env.HI_SMOKE_CLIENT_CIDR ?? (await publicIpv4().catch(() => undefined));
    if (!clientCidr) return errorDocument("cloud", "infrastructure", "cannot find this machine's public IPv4 address (https://checkip.amazonaws.com); set HI_SMOKE_CLIENT_CIDR, e.g. 198.51.100.7/32");
  }
  let cfg: StackConfig;
  try {
    cfg = smokeConfig(baseConfig(ROOT), cloud, model, { stackName, ...(clientCidr ? { clientCidr } : {}) });
  } catch (e) {
    return errorDocument("cloud", "configuration", `the smoke stack's config is invalid: ${(e as Error).message}`);
  }
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
      missing: () => missingFor(cloud),
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
