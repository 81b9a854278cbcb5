/**
 * The node setup script's security steps, for real: the API key fetched from Secret Manager and from SSM over
 * their REST APIs (against loopback fakes that check what a real service checks), and the metadata guard applied
 * with iptables inside a network namespace of its own (root, iproute2, iptables and setpriv; .ci/run installs them),
 * where root still reaches the metadata address and the container's user does not.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_SETUP_PATH } from "../../infra/inference/bootscript";

const BASE_ENV = { HI_CLOUD: "hetzner", HI_IMAGE: "ghcr.io/acme/x:1", HI_MODEL_URI: "s3://b/models/m.gguf", HI_MODEL_SHA256: "0".repeat(64), HI_PORT: "8080" };

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", (code) => resolve({ code, out }));
  });
}

const body = (req: IncomingMessage) => new Promise<string>((r) => {
  let s = "";
  req.on("data", (b: Buffer) => (s += b.toString()));
  req.on("end", () => r(s));
});

describe("node-setup api-key: reads the key through the cloud's secret API", () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const b = await body(req);
        seen.push(`${req.method} ${req.url}`);
        // GCE metadata server: a token for the instance's service account.
        if (req.url === "/computeMetadata/v1/instance/service-accounts/default/token") {
          if (req.headers["metadata-flavor"] !== "Google") return res.writeHead(403).end();
          return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "ya29.fake", expires_in: 3599, token_type: "Bearer" }));
        }
        // Secret Manager: projects.secrets.versions.access, payload.data base64.
        if (req.method === "GET" && req.url === "/v1/projects/123/secrets/hi-api-key/versions/2:access") {
          if (req.headers.authorization !== "Bearer ya29.fake") return res.writeHead(401).end();
          return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "projects/123/secrets/hi-api-key/versions/2", payload: { data: Buffer.from("k3y from secret manager").toString("base64"), dataCrc32c: "1" } }));
        }
        // IMDSv2 and instance-role credentials.
        if (req.method === "PUT" && req.url === "/latest/api/token") return res.writeHead(200).end("imds-token");
        if (req.url?.startsWith("/latest/meta-data/iam/security-credentials/")) {
          if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token") return res.writeHead(401).end();
          if (req.url.endsWith("/")) return res.writeHead(200).end("node-role");
          return res.writeHead(200).end(JSON.stringify({ AccessKeyId: "ASIAFAKEFAKEFAKEFAKE", SecretAccessKey: "secret", Token: "session-token" }));
        }
        // SSM GetParameter, SigV4-signed with the role's session credentials.
        if (req.method === "POST" && req.url === "/") {
          const auth = String(req.headers.authorization);
          if (req.headers["x-amz-target"] !== "AmazonSSM.GetParameter" || !auth.startsWith("AWS4-HMAC-SHA256 Credential=ASIAFAKEFAKEFAKEFAKE/") || !auth.includes("/eu-central-1/ssm/aws4_request") || req.headers["x-amz-security-token"] !== "session-token") return res.writeHead(403).end();
          const { Name, WithDecryption } = JSON.parse(b) as { Name: string; WithDecryption: boolean };
          if (Name !== "/hi/api-key:3" || WithDecryption !== true) return res.writeHead(400).end();
          return res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ Parameter: { Name: "/hi/api-key", Value: "k3y from ssm", Version: 3, Selector: ":3" } }));
        }
        res.writeHead(404).end();
      })();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const fetchKey = async (env: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmpdir(), "hi-node-setup-"));
    const r = await run("bash", [NODE_SETUP_PATH, "api-key"], { ...BASE_ENV, HI_CONF_DIR: dir, ...env });
    return { ...r, file: path.join(dir, "secrets", "llama-api-key") };
  };

  it("GCP: the instance token, then Secret Manager's :access, payload.data decoded from base64, into a 0400 file for the container user", async () => {
    const r = await fetchKey({ HI_CLOUD: "gcp", HI_API_KEY_SOURCE: "gcp-secret:projects/123/secrets/hi-api-key/versions/2", HI_GCE_METADATA_URL: base, HI_SECRET_MANAGER_URL: base });
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(r.file, "utf8")).toBe("k3y from secret manager");
    const st = statSync(r.file);
    expect(st.mode & 0o777).toBe(0o400);
    expect(st.uid).toBe(10001);
    expect(seen).toContain("GET /v1/projects/123/secrets/hi-api-key/versions/2:access");
  });

  it("AWS: IMDSv2 role credentials, then a SigV4-signed GetParameter for the pinned version", async () => {
    const r = await fetchKey({ HI_CLOUD: "aws", HI_AWS_REGION: "eu-central-1", HI_API_KEY_SOURCE: "aws-ssm:/hi/api-key:3", HI_IMDS_URL: base, HI_SSM_URL: `${base}/` });
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(r.file, "utf8")).toBe("k3y from ssm");
  });

  it("refuses the old GCS-object source", async () => {
    const r = await fetchKey({ HI_CLOUD: "gcp", HI_API_KEY_SOURCE: "gcs:bucket/secrets/llama-api-key" });
    expect(r.code).toBe(21);
    expect(r.out).toContain("unknown HI_API_KEY_SOURCE");
  });
});

const NS = `hi-guard-${process.pid}`;
const METADATA = "169.254.169.254";
const children: ChildProcess[] = [];
const inNs = (args: string[]) => spawnSync("ip", ["netns", "exec", NS, ...args], { encoding: "utf8", timeout: 10_000 });
const sh = (args: string[]) => {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr || r.error?.message} (the metadata guard test needs root, iproute2 and iptables)`);
};
/** curl the metadata address as a given uid (setpriv drops root like the container's USER does). */
const curlAs = (uid: number | "root") => inNs([...(uid === "root" ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"]), "curl", "-s", "-m", "2", `http://${METADATA}/latest/user-data`]);

describe("node-setup metadata-guard: only root reaches the metadata service", () => {
  beforeAll(async () => {
    spawnSync("ip", ["netns", "del", NS]);
    sh(["ip", "netns", "add", NS]);
    sh(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"]);
    sh(["ip", "netns", "exec", NS, "ip", "addr", "add", `${METADATA}/32`, "dev", "lo"]);
    const fake = spawn("ip", ["netns", "exec", NS, process.execPath, "-e", `require("http").createServer((q, s) => s.end("#cloud-config with the model-store key")).listen(80, "${METADATA}", () => console.log("up"))`], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(fake);
    await new Promise<void>((r) => fake.stdout?.once("data", () => r()));
  });
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", NS]);
  });

  it("without the guard every user reads the user data (the test's baseline)", () => {
    expect(curlAs(10001).stdout).toContain("model-store key");
  });

  it("after the guard, root still reads it; the container's uid 10001 and nobody are refused", async () => {
    const r = await run("ip", ["netns", "exec", NS, "bash", NODE_SETUP_PATH, "metadata-guard"], { ...BASE_ENV, HI_METADATA_GUARD: "1" });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("reachable by root only");
    expect(curlAs("root").stdout).toContain("model-store key");
    for (const uid of [10001, 65534]) {
      const denied = curlAs(uid);
      expect(denied.stdout).toBe("");
      expect(denied.status).not.toBe(0);
    }
  });

  it("is idempotent (one jump, one bridge rule however often it runs) and also closes the Docker bridge path", async () => {
    await run("ip", ["netns", "exec", NS, "bash", NODE_SETUP_PATH, "metadata-guard"], { ...BASE_ENV, HI_METADATA_GUARD: "1" });
    const output = inNs(["iptables", "-S", "OUTPUT"]).stdout;
    expect(output.match(/-j HI-METADATA/g)).toHaveLength(1);
    const dockerUser = inNs(["iptables", "-S", "DOCKER-USER"]).stdout;
    expect(dockerUser.match(new RegExp(`-d ${METADATA.replace(/\./g, "\\.")}/32 -j REJECT`, "g"))).toHaveLength(1);
    expect(inNs(["iptables", "-S", "HI-METADATA"]).stdout).toContain("--uid-owner 0 -j RETURN");
  });
});
