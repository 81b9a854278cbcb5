/**
 * The local stand-ins for CloudWatch and Cloud Monitoring accept what the real publisher sends (bash, curl's SigV4, a
 * service-account JWT) and refuse what the clouds refuse: a signature made with another secret, an unknown key, an
 * unsigned request, a token they did not issue, another grant type, a JWT signed by another key, two points of one
 * series less than 5 s apart. The demand they report is the latest point of each router's series,
 * summed, within a window.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISHER_SCRIPT_PATH, renderPublisherEnv } from "../../../infra/hetzner/router-cloud-init";
import { DEMAND_METRIC } from "../../../infra/scaling/demand";
import { type CloudSinks, startCloudSinks } from "../../../local/cloud/cloud-sinks";
import { envFileSettings as parseEnvFile } from "../../../plan/rendered/cloud-init";

let dir: string;
let sinks: CloudSinks;
const POOLS = [{ name: "gcp", maxSlots: 4, hourlyUsdPerSlot: 0.01 }, { name: "aws", maxSlots: 4, hourlyUsdPerSlot: 0.02 }];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hi-sinks-"));
  sinks = await startCloudSinks({ minSampleMs: 5000 });
});
afterAll(async () => {
  await sinks.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A `show stat` with the base queue and each pool's sessions, in HAProxy's column names. */
function stats(queue: number, sessions: Record<string, number> = {}): string {
  const file = path.join(dir, `stat-${queue}-${Object.values(sessions).join("-")}.csv`);
  const rows = ["# pxname,svname,qcur,qmax,scur", `base,BACKEND,${queue},0,4`, ...POOLS.map((p) => `burst_${p.name},BACKEND,0,0,${sessions[p.name] ?? 0}`)];
  writeFileSync(file, `${rows.join("\n")}\n`);
  return file;
}

interface Creds { accessKeyId?: string; secretAccessKey?: string; keyJson?: string }

/** Runs the real publisher with the settings the routers get, pointed at the sinks. */
function publish(router: string, statFile: string, creds: Creds = {}): Promise<{ code: number | null; stderr: string }> {
  const aws = { region: sinks.cloudwatch.region, accessKeyId: creds.accessKeyId ?? sinks.cloudwatch.accessKeyId, secretAccessKey: creds.secretAccessKey ?? sinks.cloudwatch.secretAccessKey };
  const gcp = { project: sinks.monitoring.project, keyJson: creds.keyJson ?? sinks.monitoring.keyJson };
  const awsFile = path.join(dir, `aws-${router}.env`);
  const gcpFile = path.join(dir, `gcp-${router}.json`);
  writeFileSync(awsFile, `AWS_ACCESS_KEY_ID=${aws.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${aws.secretAccessKey}\n`, { mode: 0o600 });
  writeFileSync(gcpFile, gcp.keyJson, { mode: 0o600 });
  const env = {
    ...parseEnvFile(renderPublisherEnv(router, { pools: POOLS, aws, gcp })),
    HI_STATS_CSV: statFile,
    HI_AWS_CREDENTIALS: awsFile,
    HI_GCP_KEY_FILE: gcpFile,
    HI_CW_ENDPOINT: sinks.cloudwatch.url,
    HI_GCP_TOKEN_URL: sinks.monitoring.tokenUrl,
    HI_GCP_MONITORING_URL: sinks.monitoring.url,
    HI_STATE_DIR: path.join(dir, `state-${router}`),
  };
  return new Promise((resolve) => {
    const child = spawn("bash", [PUBLISHER_SCRIPT_PATH], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

const awsMetric = `${DEMAND_METRIC.awsNamespace}/${DEMAND_METRIC.awsMetricName}`;

describe("the cloud stand-ins", () => {
  it("take the real publisher's demand from two routers and add up each router's latest point", async () => {
    expect((await publish("r0", stats(6))).code).toBe(0);
    expect((await publish("r1", stats(1, { gcp: 2 }))).code).toBe(0);
    expect(sinks.refusals).toEqual([]);
    // r0: queue 6 -> gcp 4 (its free slots), aws 2; r1: gcp 2 sessions + 1 queued = 3, aws 0.
    expect(sinks.demand("gcp", DEMAND_METRIC.gcpMetricType, DEMAND_METRIC.gcpPoolLabel, "gcp", 60_000)).toBe(7);
    expect(sinks.demand("aws", awsMetric, DEMAND_METRIC.awsDimension, "aws", 60_000)).toBe(2);
    expect(sinks.points.find((p) => p.cloud === "aws" && p.labels.Router === "r0")?.labels).toEqual({ [DEMAND_METRIC.awsDimension]: "aws", Router: "r0" });
    // Outside the window there is no data, which is not the same as zero.
    expect(sinks.demand("aws", awsMetric, DEMAND_METRIC.awsDimension, "aws", 60_000, Date.now() + 120_000)).toBeUndefined();
  }, 30_000);

  it("refuse a second point of one series within 5 s, as Cloud Monitoring does (exit 33); CloudWatch takes it", async () => {
    const before = sinks.refusals.length;
    // The publisher stamps whole seconds: a point in the same second as the last is "out of order" instead; wait
    // for the next second so that this one is newer but less than 5 s newer.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const r = await publish("r0", stats(0));
    expect(r.code).toBe(33);
    expect(sinks.refusals.slice(before)).toEqual([{ cloud: "gcp", status: 400, reason: "sampled too often" }]);
    expect(sinks.demand("aws", awsMetric, DEMAND_METRIC.awsDimension, "aws", 60_000)).toBe(0);
  }, 30_000);

  it("refuse a SigV4 signature made with another secret, and an unknown access key (exit 32)", async () => {
    const before = sinks.refusals.length;
    expect((await publish("r2", stats(0), { secretAccessKey: "not-the-secret" })).code).toBe(32);
    expect((await publish("r3", stats(0), { accessKeyId: "AKIAUNKNOWN000000000" })).code).toBe(32);
    expect(sinks.refusals.slice(before).filter((x) => x.cloud === "aws").map((x) => x.reason)).toEqual(["bad signature", "unknown access key"]);
  }, 30_000);

  it("refuse a JWT signed by another key (exit 33)", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = JSON.stringify({ ...JSON.parse(sinks.monitoring.keyJson), private_key: privateKey.export({ type: "pkcs8", format: "pem" }) });
    const before = sinks.refusals.length;
    expect((await publish("r4", stats(0), { keyJson: forged })).code).toBe(33);
    expect(sinks.refusals.slice(before).filter((x) => x.cloud === "gcp").map((x) => x.reason)).toEqual(["Invalid JWT Signature."]);
  }, 30_000);

  it("refuse a token they did not issue, another grant type, and an unsigned PutMetricData", async () => {
    const bad = await request(`${sinks.monitoring.url}/v3/projects/${sinks.monitoring.project}/timeSeries`, { method: "POST", headers: { authorization: "Bearer ya29.made-up" }, body: "{}" });
    expect(bad.statusCode).toBe(401);
    await bad.body.dump();
    const token = await request(sinks.monitoring.tokenUrl, { method: "POST", body: "grant_type=client_credentials" });
    expect(token.statusCode).toBe(400);
    await token.body.dump();
    const cw = await request(sinks.cloudwatch.url, { method: "POST", body: "Action=PutMetricData" });
    expect(cw.statusCode).toBe(403); // unsigned
    await cw.body.dump();
    expect(sinks.refusals.slice(-3).map((r) => r.reason)).toEqual(["bad token", "grant type", "unknown access key"]);
  });
});
