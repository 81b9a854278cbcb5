/**
 * The routers' demand publisher, for real: bash, jq, socat and curl against a real HAProxy's stats socket and against
 * local fakes of CloudWatch (which verifies the SigV4 signature curl computes) and of Google's token and Monitoring
 * endpoints (which verify the service-account JWT's RS256 signature and claims).
 */
import { spawn, spawnSync } from "node:child_process";
import { createVerify, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHaproxyConfig } from "../../infra/hetzner/haproxy";
import { routerSpec } from "../../infra/hetzner/router-spec";
import { apportionDemand, DEMAND_METRIC } from "../../infra/scaling/demand";
import { type Captured, sigv4Valid } from "../../local/cloud/cloud-sinks";
import { freePort } from "../../local/stack/ports";
import { ROOT } from "../helpers/paths";

const SCRIPT = path.join(ROOT, "inference-image/router/publish-demand.sh");
const POOLS = [
  { name: "aws", maxSlots: 8, hourlyUsdPerSlot: 0.0244 },
  { name: "gcp", maxSlots: 4, hourlyUsdPerSlot: 0.0148 },
];

function publish(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HI_ROUTER_ID: "router-0", HI_POOLS: JSON.stringify(POOLS), HI_STATE_DIR: path.join(dir, "state-default"), ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let header: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "publisher-"));
  // A real HAProxy with the router's config, to read a real `show stat` through its socket.
  const [listenPort, metricsPort] = [await freePort(), await freePort()];
  const cfg = renderHaproxyConfig(routerSpec({
    id: "router-0",
    listen: { address: "127.0.0.1", port: listenPort },
    ops: { address: "127.0.0.1", port: metricsPort },
    statsSocket: path.join(dir, "admin.sock"),
    base: [{ name: "base0", address: "127.0.0.1", port: 9, slots: 2 }],
    burst: [{ name: "aws", host: "127.0.0.1", port: 9, tlsName: "x", caFile: "@system-ca", slots: 8, hourlyUsd: 0.0244 }, { name: "gcp", host: "127.0.0.1", port: 9, tlsName: "x", caFile: "@system-ca", slots: 4, hourlyUsd: 0.0148 }],
    ctxPerSlot: 512,
    queueTimeoutSeconds: 5,
    queuePerSlot: 2,
    log: "stdout",
    share: { index: 0, of: 1 },
  }));
  writeFileSync(path.join(dir, "haproxy.cfg"), cfg);
  const haproxy = spawn("haproxy", ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: "ignore" });
  try {
    for (let i = 0; i < 50 && spawnSync("test", ["-S", path.join(dir, "admin.sock")]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const r = await publish({ HI_STATS_SOCKET: path.join(dir, "admin.sock") }, ["--print-demand"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ gcp: 0, aws: 0 });
    const raw = spawnSync("socat", ["-t", "2", "stdio", `unix-connect:${path.join(dir, "admin.sock")}`], { input: "show stat\n", encoding: "utf8" }).stdout;
    header = raw.split("\n")[0] ?? "";
  } finally {
    haproxy.kill("SIGKILL");
  }
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `show stat` in HAProxy's own column layout, with the queue and session counts given. */
function statCsv(rows: { px: string; sv: string; qcur?: number; scur?: number; status?: string }[]): string {
  const cols = header.replace(/^# /, "").split(",");
  const line = (r: { px: string; sv: string; qcur?: number; scur?: number; status?: string }) =>
    cols.map((c) => (c === "pxname" ? r.px : c === "svname" ? r.sv : c === "qcur" ? String(r.qcur ?? 0) : c === "scur" ? String(r.scur ?? 0) : c === "status" ? (r.status ?? "UP") : "")).join(",");
  return [header, ...rows.map(line), ""].join("\n");
}

describe("the demand the routers publish", () => {
  it("reads HAProxy's real stats layout: pxname, svname, qcur and scur are there", () => {
    expect(header).toMatch(/^# pxname,svname,qcur,qmax,scur,/);
  });

  it("is apportionDemand: the same answer for any queue and sessions", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), async (backendQueue, serverQueue, awsSessions, gcpSessions) => {
        const csv = statCsv([
          { px: "api", sv: "FRONTEND", scur: 99 },
          { px: "base", sv: "base0", qcur: serverQueue, scur: 2 },
          { px: "base", sv: "BACKEND", qcur: backendQueue, scur: 2 },
          { px: "burst_aws", sv: "aws", scur: awsSessions },
          { px: "burst_aws", sv: "BACKEND", scur: awsSessions },
          { px: "burst_gcp", sv: "gcp", scur: gcpSessions },
          { px: "burst_gcp", sv: "BACKEND", scur: gcpSessions },
        ]);
        const file = path.join(dir, "stat.csv");
        writeFileSync(file, csv);
        const r = await publish({ HI_STATS_CSV: file }, ["--print-demand"]);
        const expected = apportionDemand(backendQueue + serverQueue, POOLS.map((p) => ({ ...p, sessions: p.name === "aws" ? awsSessions : gcpSessions })));
        expect(JSON.parse(r.stdout)).toEqual(expected);
      }),
      { numRuns: 20 },
    );
  }, 60_000);

  it("fails over: a pool with demand and its backend down for HI_FAILOVER_SECONDS leaves its share to the next pool too, and stops once it is up", async () => {
    const state = path.join(dir, "failover-state");
    const rows = (gcpStatus: string) => [
      { px: "base", sv: "BACKEND", qcur: 6, scur: 2 },
      { px: "burst_aws", sv: "BACKEND", scur: 0, status: "UP" },
      { px: "burst_gcp", sv: "BACKEND", scur: 0, status: gcpStatus },
    ];
    const file = path.join(dir, "failover.csv");
    const run = async (gcpStatus: string) => {
      writeFileSync(file, statCsv(rows(gcpStatus)));
      const r = await publish({ HI_STATS_CSV: file, HI_STATE_DIR: state, HI_FAILOVER_SECONDS: "60" }, ["--print-demand"]);
      return JSON.parse(r.stdout) as Record<string, number>;
    };
    // Down with demand: starving from now, not yet starved.
    expect(await run("DOWN")).toEqual({ gcp: 4, aws: 2 });
    // Starving for longer than the failover time: the next pool gets the whole queue as well.
    writeFileSync(path.join(state, "starving-gcp"), `${Math.floor(Date.now() / 1000) - 61}\n`);
    const failedOver = await run("DOWN");
    expect(failedOver).toEqual(apportionDemand(6, POOLS.map((p) => ({ ...p, sessions: 0, starved: p.name === "gcp" }))));
    expect(failedOver).toEqual({ gcp: 4, aws: 6 });
    // Up again: back to the plain split, and the starving time is forgotten.
    expect(await run("UP")).toEqual({ gcp: 4, aws: 2 });
    expect(existsSync(path.join(state, "starving-gcp"))).toBe(false);
  });

  it("refuses bad settings with exit 30", async () => {
    expect((await publish({ HI_POOLS: "nope" })).code).toBe(30);
    expect((await publish({ HI_ROUTER_ID: "" })).code).toBe(30);
    // A credential file that is missing is a settings error, not a cloud's refusal, on either cloud.
    const stat = path.join(dir, "stat-empty.csv");
    writeFileSync(stat, statCsv([{ px: "base", sv: "BACKEND" }]));
    const gcp = await publish({ HI_STATS_CSV: stat, HI_GCP_PROJECT: "p", HI_GCP_METRIC_TYPE: "custom.googleapis.com/x", HI_GCP_POOL_LABEL: "pool", HI_GCP_KEY_FILE: path.join(dir, "missing.json") });
    expect([gcp.code, gcp.stderr]).toEqual([30, expect.stringContaining("HI_GCP_KEY_FILE is not a readable file")]);
    const aws = await publish({ HI_STATS_CSV: stat, HI_CW_REGION: "eu-central-1", HI_CW_NAMESPACE: "n", HI_CW_METRIC: "m", HI_CW_DIMENSION: "Pool", HI_AWS_CREDENTIALS: path.join(dir, "missing.env") });
    expect([aws.code, aws.stderr]).toEqual([30, expect.stringContaining("HI_AWS_CREDENTIALS is not a readable file")]);
  });
});

// ---- fakes of the cloud endpoints --------------------------------------------------------------------------


function fake(handler: (req: Captured) => { status: number; body: string }): Promise<{ url: string; seen: Captured[]; server: Server }> {
  const seen: Captured[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      const c = { headers: req.headers, method: req.method ?? "", url: req.url ?? "", body };
      seen.push(c);
      const out = handler(c);
      res.writeHead(out.status, { "content-type": "application/json" });
      res.end(out.body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })));
}

describe("publishing to the clouds", () => {
  it("signs PutMetricData for CloudWatch with SigV4, in the demand namespace, for the AWS pool and this router", async () => {
    const cw = await fake(() => ({ status: 200, body: "<PutMetricDataResponse/>" }));
    try {
      const creds = path.join(dir, "aws.env");
      writeFileSync(creds, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n", { mode: 0o600 });
      const stat = path.join(dir, "stat-aws.csv");
      writeFileSync(stat, statCsv([{ px: "base", sv: "BACKEND", qcur: 10 }, { px: "burst_aws", sv: "BACKEND", scur: 1 }, { px: "burst_gcp", sv: "BACKEND", scur: 0 }]));
      const r = await publish({
        HI_STATS_CSV: stat, HI_AWS_CREDENTIALS: creds, HI_CW_REGION: "eu-central-1", HI_CW_ENDPOINT: `${cw.url}/`,
        HI_CW_NAMESPACE: DEMAND_METRIC.awsNamespace, HI_CW_METRIC: DEMAND_METRIC.awsMetricName, HI_CW_DIMENSION: DEMAND_METRIC.awsDimension,
      });
      expect(r.stderr).toContain('demand {"gcp":4,"aws":7}');
      expect(r.code).toBe(0);
      const [req] = cw.seen;
      expect(req && sigv4Valid(req, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-central-1", "monitoring")).toBe(true);
      const form = new URLSearchParams(req?.body);
      expect(Object.fromEntries(form)).toMatchObject({
        Action: "PutMetricData", Namespace: DEMAND_METRIC.awsNamespace, "MetricData.member.1.MetricName": DEMAND_METRIC.awsMetricName, "MetricData.member.1.Value": "7",
        "MetricData.member.1.Dimensions.member.1.Name": DEMAND_METRIC.awsDimension, "MetricData.member.1.Dimensions.member.1.Value": "aws",
        "MetricData.member.1.Dimensions.member.2.Name": "Router", "MetricData.member.1.Dimensions.member.2.Value": "router-0",
      });
      // The key never appears on a command line: curl reads it from stdin.
      expect(spawnSync("grep", ["-c", "AKIDEXAMPLE", SCRIPT]).stdout.toString().trim()).toBe("0");
    } finally {
      cw.server.close();
    }
  });

  it("fails with exit 32 when CloudWatch refuses", async () => {
    const cw = await fake(() => ({ status: 403, body: "<Error><Code>AccessDenied</Code></Error>" }));
    try {
      const creds = path.join(dir, "aws.env");
      writeFileSync(creds, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=x\n", { mode: 0o600 });
      const stat = path.join(dir, "stat-aws.csv");
      const r = await publish({ HI_STATS_CSV: stat, HI_AWS_CREDENTIALS: creds, HI_CW_REGION: "eu-central-1", HI_CW_ENDPOINT: `${cw.url}/`, HI_CW_NAMESPACE: "n", HI_CW_METRIC: "m", HI_CW_DIMENSION: "Pool" });
      expect(r.code).toBe(32);
    } finally {
      cw.server.close();
    }
  });

  it("trades a service-account JWT for a token, then writes the GCP pool's demand on a global resource", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyFile = path.join(dir, "sa.json");
    writeFileSync(keyFile, JSON.stringify({ type: "service_account", client_email: "pub@p.iam.gserviceaccount.com", private_key: privateKey.export({ type: "pkcs8", format: "pem" }) }), { mode: 0o600 });
    let claims: Record<string, unknown> = {};
    const oauth = await fake((c) => {
      const form = new URLSearchParams(c.body);
      const [h = "", p = "", s = ""] = (form.get("assertion") ?? "").split(".");
      const ok = form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
        createVerify("RSA-SHA256").update(`${h}.${p}`).verify(publicKey, Buffer.from(s, "base64url"));
      claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
      return ok ? { status: 200, body: JSON.stringify({ access_token: "ya29.test", expires_in: 3599, token_type: "Bearer" }) } : { status: 400, body: "{}" };
    });
    const monitoring = await fake((c) => ({ status: c.headers.authorization === "Bearer ya29.test" ? 200 : 401, body: "{}" }));
    try {
      const stat = path.join(dir, "stat-gcp.csv");
      writeFileSync(stat, statCsv([{ px: "base", sv: "BACKEND", qcur: 3 }, { px: "burst_aws", sv: "BACKEND" }, { px: "burst_gcp", sv: "BACKEND", scur: 1 }]));
      const env = {
        HI_STATS_CSV: stat, HI_GCP_PROJECT: "acme-inference-staging", HI_GCP_METRIC_TYPE: DEMAND_METRIC.gcpMetricType, HI_GCP_POOL_LABEL: DEMAND_METRIC.gcpPoolLabel,
        HI_GCP_KEY_FILE: keyFile, HI_GCP_TOKEN_URL: `${oauth.url}/token`, HI_GCP_MONITORING_URL: monitoring.url, HI_STATE_DIR: path.join(dir, "state"),
      };
      const r = await publish(env);
      expect(r.stderr).toContain('demand {"gcp":4,"aws":0}');
      expect(r.code).toBe(0);
      expect(claims).toMatchObject({ iss: "pub@p.iam.gserviceaccount.com", scope: "https://www.googleapis.com/auth/monitoring.write", aud: `${oauth.url}/token` });
      const [write] = monitoring.seen;
      expect(write?.url).toBe("/v3/projects/acme-inference-staging/timeSeries");
      expect(JSON.parse(write?.body ?? "{}")).toMatchObject({
        timeSeries: [{ metric: { type: DEMAND_METRIC.gcpMetricType, labels: { pool: "gcp", router: "router-0" } }, resource: { type: "global", labels: { project_id: "acme-inference-staging" } }, points: [{ value: { int64Value: "4" } }] }],
      });
      // A second run reuses the cached token: no second exchange.
      expect((await publish(env)).code).toBe(0);
      expect(oauth.seen).toHaveLength(1);
      expect(monitoring.seen).toHaveLength(2);
    } finally {
      oauth.server.close();
      monitoring.server.close();
    }
  });
});
