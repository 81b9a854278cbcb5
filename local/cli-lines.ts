/** What `npm run local` prints: the line to paste to try a stack, the build progress, and why a start failed. */
import { shellQuote } from "../infra/inference/bootscript";
import { PortBusy } from "./stack/ports";

/** The curl line people paste to try the stack: with the key when one is required, quoted for the shell. */
export function tryCommand(stack: { baseUrl: string; apiKey?: string }, caFile?: string): string {
  const auth = stack.apiKey !== undefined ? ` -H ${shellQuote(`authorization: Bearer ${stack.apiKey}`)}` : "";
  const ca = caFile ? ` --cacert ${shellQuote(caFile)}` : "";
  return `curl${ca} ${stack.baseUrl}/v1/completions -H 'content-type: application/json'${auth} -d '{"prompt":"Hello","max_tokens":16}'`;
}

/** Build progress on stderr: one redrawn line on a terminal, every 10% otherwise. */
export function progressSink(io: { stderr: (s: string) => void; tty: boolean }): (p: { step: string; percent?: number }) => void {
  let lastPercent = -1;
  return (p) => {
    if (p.percent === undefined) io.stderr(`local: ${p.step}\n`);
    else if (p.percent !== lastPercent) {
      lastPercent = p.percent;
      if (io.tty) io.stderr(`\rlocal: ${p.step} ${p.percent}%${p.percent === 100 ? "\n" : ""}`);
      else if (p.percent % 10 === 0) io.stderr(`local: ${p.step} ${p.percent}%\n`);
    }
  };
}

/** A stack or fleet that failed to start: the reason on stderr, and the exit code (3 for a busy --port, else 2). */
export function startFailure(e: unknown, io: { stderr: (s: string) => void }): number {
  if (e instanceof PortBusy) {
    io.stderr(`local: --port ${e.port}: ${e.message}; pick another port or leave --port out for a free one\n`);
    return 3;
  }
  io.stderr(`local: ${(e as Error).message}\n`);
  return 2;
}

export interface LocalIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (the build progress then redraws one line). */
  tty: boolean;
  /**
   * Called once the stack is up: resolves with a signal's name when it should stop. Before that a signal ends the
   * process as usual, and the reaper removes whatever had been started.
   */
  stopSignal: () => Promise<string>;
}

export interface LocalArgs {
  port?: number;
  apiKey?: string;
  verbose: boolean;
  fleet: boolean;
  fromZero: boolean;
  stack?: string;
}
