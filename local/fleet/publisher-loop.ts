/**
 * A router's demand publisher on this machine: the script cloud-init installed (inference-image/router/
 * publish-demand.sh) with the settings file cloud-init wrote, run on a timer as systemd runs it there. The loopback map
 * moves its files under the router's root and points it at the cloud APIs' stand-ins; nothing else changes.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { PUBLISHER_PATHS, PUBLISHER_SCRIPT_PATH } from "../../infra/hetzner/router-cloud-init";
import { envFileSettings } from "../../plan/rendered/cloud-init";
import type { CloudSinks } from "../cloud/cloud-sinks";
import { underRoot } from "./loopback";

export interface PublisherLoopOptions {
  /** The settings file as cloud-init wrote it (KEY='value' lines). */
  settings: string;
  /** The router's file system root here (its credentials and admin socket are under it). */
  root: string;
  sinks: Pick<CloudSinks, "cloudwatch" | "monitoring">;
  intervalMs: number;
  /** The failover time here (the rendered HI_FAILOVER_SECONDS is minutes long). */
  failoverSeconds?: number;
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

/** The rendered settings with the loopback map applied: file paths under the root, the clouds' endpoints the stand-ins'. */
export function publisherEnvLocally(settings: string, root: string, sinks: PublisherLoopOptions["sinks"], failoverSeconds?: number): Record<string, string> {
  const env = envFileSettings(settings);
  const moved = (k: string) => (env[k] ? { [k]: underRoot(root, env[k] as string) } : {});
  return {
    ...env,
    ...moved("HI_STATS_SOCKET"),
    ...moved("HI_AWS_CREDENTIALS"),
    ...moved("HI_GCP_KEY_FILE"),
    HI_CW_ENDPOINT: sinks.cloudwatch.url,
    HI_GCP_TOKEN_URL: sinks.monitoring.tokenUrl,
    HI_GCP_MONITORING_URL: sinks.monitoring.url,
    HI_STATE_DIR: underRoot(root, "/var/lib/hybrid-inference/publisher"),
    ...(failoverSeconds !== undefined && env.HI_FAILOVER_SECONDS !== undefined ? { HI_FAILOVER_SECONDS: String(failoverSeconds) } : {}),
  };
}

export function startPublisherLoop(o: PublisherLoopOptions): PublisherLoop {
  const log = o.log ?? (() => undefined);
  const env = publisherEnvLocally(o.settings, o.root, o.sinks, o.failoverSeconds);
  mkdirSync(env.HI_STATE_DIR as string, { recursive: true, mode: 0o700 });
  // The script cloud-init installed, as it was written (same bytes as the repository's file).
  const script = underRoot(o.root, PUBLISHER_PATHS.script);
  const runs: PublishRun[] = [];
  const once = () =>
    new Promise<PublishRun>((resolve) => {
      const child = spawn("bash", [script], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "ignore", "pipe"], cwd: path.dirname(script) });
      let stderr = "";
      child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      child.on("close", (code) => {
        const m = /demand (\{.*\})/.exec(stderr);
        const run: PublishRun = { atMs: Date.now(), code, ...(m?.[1] ? { demand: JSON.parse(m[1]) as Record<string, number> } : {}) };
        runs.push(run);
        if (runs.length > 1000) runs.splice(0, runs.length - 1000);
        for (const line of stderr.split("\n").filter(Boolean)) log(`publisher ${env.HI_ROUTER_ID ?? ""}: ${line.replace(/^publish-demand: /, "")}`);
        resolve(run);
      });
    });
  let stopped = false;
  let current: Promise<PublishRun> | undefined;
  let timer: NodeJS.Timeout | undefined;
  // As the routers' systemd timer (OnUnitInactiveSec): the next run an interval after the last one ended.
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

export { PUBLISHER_SCRIPT_PATH };
