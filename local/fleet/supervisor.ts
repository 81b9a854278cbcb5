/**
 * Keeps a process of the fleet running as its host would: systemd restarts a router's HAProxy and a node's server
 * (Restart=always), so a process that dies is reported, started again after the unit's delay, and never stops the
 * fleet. Stopping the supervisor stops the process for good.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { NODE_SETUP_PATH } from "../../infra/inference/bootscript";

export interface Supervised<T> {
  name: string;
  current(): T | undefined;
  restarts: number;
  /** Stops the process on purpose (no restart for that exit) and starts a new one: a replacement. */
  replace(): Promise<T>;
  stop(): Promise<void>;
}

export interface SuperviseOptions<T> {
  name: string;
  /** Starts the process; resolves once it serves. */
  start: () => Promise<T>;
  child: (t: T) => ChildProcess;
  stopOne: (t: T) => Promise<void>;
  restartAfterMs: number;
  /** What stands for the host's restart ("systemd", "the group"), for the log. */
  by: string;
  log: (line: string) => void;
}

export async function supervise<T>(o: SuperviseOptions<T>): Promise<Supervised<T>> {
  let current: T | undefined;
  let stopped = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const watch = (t: T) => {
    o.child(t).once("exit", (code, signal) => {
      if (stopped || current !== t) return;
      current = undefined;
      o.log(`${o.name} exited (${signal ?? `code ${code}`}); ${o.by} starts it again in ${(o.restartAfterMs / 1000).toFixed(1)} s`);
      void o.stopOne(t);
      timer = setTimeout(() => {
        restarting = (async () => {
          while (!stopped) {
            try {
              const next = await o.start();
              if (stopped) {
                await o.stopOne(next);
                return;
              }
              current = next;
              restarts++;
              watch(next);
              o.log(`${o.name} is back (restart ${restarts})`);
              return;
            } catch (e) {
              o.log(`${o.name} did not come back: ${(e as Error).message}; trying again in ${(o.restartAfterMs / 1000).toFixed(1)} s`);
              await new Promise((r) => setTimeout(r, o.restartAfterMs));
            }
          }
        })();
      }, o.restartAfterMs);
    });
  };
  current = await o.start();
  watch(current);
  return {
    name: o.name,
    current: () => current,
    get restarts() {
      return restarts;
    },
    async replace() {
      const old = current;
      // The watcher ignores an exit once `current` is no longer the process that exited.
      current = undefined;
      if (old) await o.stopOne(old);
      const next = await o.start();
      current = next;
      watch(next);
      return next;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await restarting;
      const t = current;
      current = undefined;
      if (t) await o.stopOne(t);
    },
  };
}

/** RestartSec of the inference unit node-setup.sh installs: how long systemd waits before starting a dead node again. */
export function nodeRestartSeconds(script = readFileSync(NODE_SETUP_PATH, "utf8")): number {
  const m = /^RestartSec=(\d+)$/m.exec(script);
  if (!m) throw new Error(`${NODE_SETUP_PATH} sets no RestartSec for the inference unit`);
  return Number(m[1]);
}
