/**
 * Renders the node boot script from the launch spec. One script, three carriers:
 * Hetzner cloud-init (runcmd), EC2 user data and the GCE startup-script.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { type LaunchSpec, launchEnv } from "./launch";

export const BOOT_DIR = path.resolve(__dirname, "../../inference-image/boot");
export const NODE_SETUP_PATH = path.join(BOOT_DIR, "node-setup.sh");
/** Where cloud-init puts the script and the secrets on Hetzner nodes. */
export const NODE_SCRIPT_PATH = "/opt/hybrid-inference/node-setup.sh";
export const SECRETS_DIR = "/etc/hybrid-inference/secrets";

/**
 * Where a node finds its API key: nowhere, a root-only file cloud-init wrote (Hetzner), an SSM SecureString
 * ("name:version" selector) or a Secret Manager secret version ("projects/P/secrets/S/versions/N").
 */
export type ApiKeySource = { kind: "none" } | { kind: "preset" } | { kind: "aws-ssm"; name: string } | { kind: "gcp-secret"; version: string };

export interface NodeBootSettings {
  cloud: "hetzner" | "aws" | "gcp";
  image: string;
  modelUri: string;
  modelSha256: string;
  modelSizeBytes: number;
  launch: LaunchSpec;
  apiKey: ApiKeySource;
  spot: boolean;
  awsRegion?: string;
  /** S3 API endpoint for nodes that read the model bucket from outside its cloud. */
  s3Endpoint?: string;
  s3Region?: string;
  /** Behind the routers (the base layer): the drain agent's port, and how long a drain waits for requests in flight. */
  drain?: { agentPort: number; seconds: number };
  /** In an Auto Scaling group: the group and its terminate hook, which the node completes once it has drained. */
  lifecycle?: { group: string; hook: string };
}

/**
 * Nodes whose metadata service serves their user data (and with it, on Hetzner, the model-store credentials) to
 * any process: after boot, only root may reach it. AWS (IMDSv2, hop limit 1) and GCP nodes need their metadata
 * service at run time for credentials, so they keep it.
 */
export const METADATA_GUARDED: ReadonlySet<NodeBootSettings["cloud"]> = new Set(["hetzner"]);

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function apiKeySourceValue(s: ApiKeySource): string {
  switch (s.kind) {
    case "none":
    case "preset":
      return s.kind;
    case "aws-ssm":
      return `aws-ssm:${s.name}`;
    case "gcp-secret":
      return `gcp-secret:${s.version}`;
  }
}

/** Every HI_* setting a node runs with; the container's env file is written from exactly these. */
export function nodeEnv(s: NodeBootSettings): Record<string, string> {
  const env: Record<string, string> = {
    HI_CLOUD: s.cloud,
    HI_IMAGE: s.image,
    HI_MODEL_URI: s.modelUri,
    HI_MODEL_SHA256: s.modelSha256,
    HI_MODEL_SIZE: String(s.modelSizeBytes),
    HI_API_KEY_SOURCE: apiKeySourceValue(s.apiKey),
    HI_SPOT: s.spot ? "1" : "0",
    HI_METADATA_GUARD: METADATA_GUARDED.has(s.cloud) ? "1" : "0",
    ...launchEnv(s.launch),
  };
  if (s.awsRegion) env.HI_AWS_REGION = s.awsRegion;
  if (s.s3Endpoint) env.HI_S3_ENDPOINT = s.s3Endpoint;
  if (s.s3Region) env.HI_S3_REGION = s.s3Region;
  if (s.lifecycle) {
    env.HI_ASG_NAME = s.lifecycle.group;
    env.HI_LIFECYCLE_HOOK = s.lifecycle.hook;
  }
  if (s.drain) {
    env.HI_AGENT_PORT = String(s.drain.agentPort);
    env.HI_DRAIN_SECONDS = String(s.drain.seconds);
  }
  for (const [k, v] of Object.entries(env)) {
    if (/[\n\r]/.test(v)) throw new Error(`${k} must not contain a newline`);
  }
  return env;
}

let nodeSetupBody: string | undefined;
function nodeSetup(): string {
  nodeSetupBody ??= readFileSync(NODE_SETUP_PATH, "utf8");
  return nodeSetupBody;
}

export function renderBootScript(s: NodeBootSettings): string {
  const header = Object.entries(nodeEnv(s))
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join("\n");
  return `#!/usr/bin/env bash\n# hybrid-inference node boot script (rendered; do not edit on the node)\n${header}\n\n${nodeSetup()}`;
}

export interface CloudInitFile {
  path: string;
  content: string;
  permissions: string;
}

/** Hetzner user data: the secrets as root-only files, then the boot script, run once by cloud-init. */
export function renderCloudInit(bootScript: string, files: CloudInitFile[] = []): string {
  const doc = {
    write_files: [
      ...files.map((f) => ({ path: f.path, content: f.content, permissions: f.permissions, owner: "root:root" })),
      { path: NODE_SCRIPT_PATH, content: bootScript, permissions: "0700", owner: "root:root" },
    ],
    runcmd: [[NODE_SCRIPT_PATH]],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

/** GCE shutdown-script: on preemption the watcher drains; the guest agent allows about 30 s. */
export function renderShutdownScript(): string {
  return [
    "#!/usr/bin/env bash",
    "# Spot preemption: stop admitting new requests, let in-flight ones finish, then stop the server.",
    "docker kill --signal USR1 hybrid-inference-watcher >/dev/null 2>&1 || true",
    "sleep 20",
    "docker stop --time 5 hybrid-inference >/dev/null 2>&1 || true",
    "",
  ].join("\n");
}

/**
 * For hosts reached over SSH (Hetzner dedicated servers): one script, run as root, that lays down the
 * secret files and the boot script exactly where cloud-init would, then runs it.
 */
export function renderSshInstall(bootScript: string, files: CloudInitFile[] = []): string {
  const lines = ["#!/usr/bin/env bash", "set -euo pipefail", "umask 077", `install -d -m 0700 ${SECRETS_DIR} ${path.posix.dirname(NODE_SCRIPT_PATH)}`];
  for (const f of [...files, { path: NODE_SCRIPT_PATH, content: bootScript, permissions: "0700" }]) {
    const b64 = Buffer.from(f.content, "utf8").toString("base64");
    lines.push(`printf '%s' ${shellQuote(b64)} | base64 -d > ${shellQuote(f.path)}`, `chmod ${f.permissions} ${shellQuote(f.path)}`);
  }
  lines.push(`exec ${NODE_SCRIPT_PATH}`, "");
  return lines.join("\n");
}
