/** CPU hogs: processes that spin on one core each, to measure beside a busy neighbour. */
import { type ChildProcess, spawn } from "node:child_process";

export interface Hogs {
  count: number;
  stop(): Promise<void>;
}

export function startHogs(count: number): Hogs {
  const procs: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  return {
    count,
    async stop() {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve();
              p.once("exit", () => resolve());
              p.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}

/** Runs `fn` with `count` hogs beside it (none for 0), stopping them however it ends. */
export async function withHogs<T>(count: number, fn: () => Promise<T>): Promise<T> {
  const hogs = startHogs(count);
  try {
    return await fn();
  } finally {
    await hogs.stop();
  }
}
