/**
 * The shared main() of every entry point in scripts/: `--help` prints the usage and exits 0; a usage error prints
 * the message and the usage on stderr and exits 3; the process exits only after stdout and stderr have been
 * written out, whatever they are (pipe, file, terminal), so `| jq` never reads a cut document.
 */

/** A bad flag or value: exit 3, the message on stderr. Any error named "UsageError" counts (the runner has its own). */
export class UsageError extends Error {
  override name = "UsageError";
}

const isUsageError = (e: unknown): e is Error => e instanceof Error && e.name === "UsageError";

export const EXIT_USAGE = 3;

export interface EntryOptions {
  /** The command as people type it, for messages: "plan", "suite", ... */
  name: string;
  usage: string;
  /** Exit code for an unexpected error (default 2: infrastructure). */
  crashCode?: number;
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/** Resolves once everything written to the stream so far has reached the OS (or the stream is gone). */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write("", () => resolve());
  });
}

/** Writes out stdout and stderr, then exits with the code. Never returns. */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** A reader that went away (`| head`) is not an error of the command. */
function ignoreClosedReader(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

export function runEntry(o: EntryOptions, main: (argv: string[]) => Promise<number>): void {
  ignoreClosedReader(process.stdout);
  ignoreClosedReader(process.stderr);
  const argv = process.argv.slice(2);
  const run = async (): Promise<number> => {
    if (wantsHelp(argv)) {
      process.stdout.write(`${o.usage.trimEnd()}\n`);
      return 0;
    }
    try {
      return await main(argv);
    } catch (e) {
      if (isUsageError(e)) {
        process.stderr.write(`${o.name}: ${e.message}\n${o.usage.trimEnd()}\n`);
        return EXIT_USAGE;
      }
      process.stderr.write(`${o.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return o.crashCode ?? 2;
    }
  };
  void run().then(exitAfterFlush);
}

/** Rejects flags for commands that take none. */
export function noFlags(argv: readonly string[]): void {
  if (argv.length > 0) throw new UsageError(`unexpected argument ${argv[0]}; this command takes no flags`);
}
