/**
 * The parent side of reaper-process.mjs: registers what the local stack must never leave behind (the boot path's process
 * group, temporary directories), so that they go even when the stack's Node process dies without cleaning up.
 */
import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import * as path from "node:path";

export interface Reaper {
  /** A process group (the leader's pid) to stop if the stack dies. */
  group(pid: number): void;
  /** A directory to remove if the stack dies. */
  path(dir: string): void;
  /** The stack cleaned up itself: the reaper exits without touching anything. */
  dismiss(): void;
}

export function startReaper(): Reaper {
  const child = spawn(process.execPath, [path.join(__dirname, "reaper-process.mjs")], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  child.unref();
  // A pipe is a net.Socket. It must not keep the stack's process alive: its end tells the reaper the stack is gone.
  const stdin = child.stdin as Socket;
  stdin.on("error", () => undefined);
  stdin.unref();
  const send = (line: string) => {
    if (!stdin.destroyed) stdin.write(`${line}\n`);
  };
  return {
    group: (pid) => send(`group ${pid}`),
    path: (dir) => send(`path ${path.resolve(dir)}`),
    dismiss: () => {
      send("done");
      stdin.end();
    },
  };
}
