/**
 * The routers' demand publisher on this machine: the same script (inference-image/router/publish-demand.sh) with the
 * same settings file the routers' cloud-init renders (renderPublisherEnv), run on a timer as systemd runs it there,
 * against the local router's stats socket and the local cloud sinks. Only what differs on this machine is replaced:
 * the files' paths, the endpoints (the sinks) and the interval.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PUBLISHER_PATHS, PUBLISHER_SCRIPT_PATH, type PublisherSettings, renderPublisherEnv } from "../../infra/hetzner/router-cloud-init";
import type { CloudSinks } from "../cloud/cloud-sinks";

/** Reads an env file as systemd's EnvironmentFile= does for the lines renderPublisherEnv writes: KEY='value'. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([A-Z_][A-Z0-9_]*)='([^'\n]*)'$/.exec(line);
    if (!m?.[1]) throw new Error(`not an env file line: ${line}`);
    env[m[1]] = m[2] ?? "";
  }
  return env;
}

export interface PublisherLoopOptions {
  routerId: string;
  pools: PublisherSettings["pools"];
  statsSocket: string;
  sinks: CloudSinks;
  /** Where the credentials and the token cache go (the caller removes it). */
  dir: string;
  intervalMs: number;
  log?: (line: string) => void;
}

export interface PublishRun {
  atMs: number;
  code: number | null;
  /** The demand the script logged, per pool. */
  demand?: Record<string, number>;
}

export interface PublisherLoop {
  /** The settings the script runs with. */
  env: Record<string, string>;
  runs: PublishRun[];
  stop(): Promise<void>;
}

export function startPublisherLoop(o: PublisherLoopOptions): PublisherLoop {
  const log = o.log ?? (() => undefined);
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const awsCredentials = path.join(o.dir, path.basename(PUBLISHER_PATHS.awsCredentials));
  const gcpKey = path.join(o.dir, path.basename(PUBLISHER_PATHS.gcpKey));
  const settings = {
    pools: o.pools,
    aws: { region: o.sinks.cloudwatch.region, accessKeyId: o.sinks.cloudwatch.accessKeyId, secretAccessKey: o.sinks.cloudwatch.secretAccessKey },
    gcp: { project: o.sinks.monitoring.project, keyJson: o.sinks.monitoring.keyJson },
  };
  writeFileSync(awsCredentials, `AWS_ACCESS_KEY_ID=${settings.aws.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${settings.aws.secretAccessKey}\n`, { mode: 0o600 });
  writeFileSync(gcpKey, settings.gcp.keyJson, { mode: 0o600 });
  const env: Record<string, string> = {
    ...parseEnvFile(renderPublisherEnv(o.routerId, settings)),
    HI_STATS_SOCKET: o.statsSocket,
    HI_AWS_CREDENTIALS: awsCredentials,
    HI_GCP_KEY_FILE: gcpKey,
    HI_CW_ENDPOINT: o.sinks.cloudwatch.url,
    HI_GCP_TOKEN_URL: o.sinks.monitoring.tokenUrl,
    HI_GCP_MONITORING_URL: o.sinks.monitoring.url,
    HI_STATE_DIR: path.join(o.dir, "state"),
  };
  const runs: PublishRun[] = [];
  const once = () =>
    new Promise<PublishRun>((resolve) => {
      const child = spawn("bash", [PUBLISHER_SCRIPT_PATH], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      child.on("close", (code) => {
        const m = /demand (\{.*\})/.exec(stderr);
        const run: PublishRun = { atMs: Date.now(), code, ...(m?.[1] ? { demand: JSON.parse(m[1]) as Record<string, number> } : {}) };
        runs.push(run);
        if (runs.length > 1000) runs.splice(0, runs.length - 1000);
        for (const line of stderr.split("\n").filter(Boolean)) log(`publisher: ${line.replace(/^publish-demand: /, "")}`);
        resolve(run);
      });
    });
  let stopped = false;
  let current: Promise<PublishRun> | undefined;
  let timer: NodeJS.Timeout | undefined;
  // As the routers' systemd timer (OnUnitInactiveSec): the next run an interval after the last one ended, so two
  // writes of a series are never closer than the interval, however long a run took on a busy machine.
  const tick = () => {
    if (stopped) return;
    current = once();
    void current.then(() => {
      if (!stopped) timer = setTimeout(tick, o.intervalMs);
    });
  };
  tick();
  return {
    env,
    runs,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
