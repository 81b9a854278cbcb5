/** The runner's command line: parse, run, print (JSON on stdout or text for people), and return the exit code. */
import { EXIT, type ExitCode } from "./results";
import { parseRunnerArgs, requestedSuite, type RunnerOptions, USAGE, UsageError, wantsJson } from "./options";
import { resultLine, renderText } from "./render";
import { errorDocument, runSuites } from "./run";
import { type ResultsDocument, SUITE_CHOICES } from "./results";

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True when stderr is a terminal: the load progress line then redraws in place. */
  tty: boolean;
}

export type CloudRunner = (o: RunnerOptions, io: CliIo) => Promise<ResultsDocument>;

/** Loaded on demand: the Automation API and the provider SDKs are only needed by --suite cloud. */
const realCloud: CloudRunner = async (o, io) => (await import("./cloud")).cloudSmoke(o, io);

/** The suite a usage error's document names: the one asked for, "all" when none was, null when the value is no suite. */
export function askedSuite(argv: string[]): ResultsDocument["suite"] {
  const asked = requestedSuite(argv);
  if (asked === undefined) return "all";
  return (SUITE_CHOICES as readonly string[]).includes(asked) ? (asked as (typeof SUITE_CHOICES)[number]) : null;
}

export async function suiteCli(argv: string[], io: CliIo, cloud: CloudRunner = realCloud): Promise<ExitCode> {
  const json = wantsJson(argv);
  // The document goes to stdout (JSON for programs, text for people); errors and progress always go to stderr.
  const emit = (doc: ResultsDocument) => {
    if (doc.error) io.stderr(`suite: ${doc.error.kind} error: ${doc.error.message}\n`);
    if (json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    else io.stdout(`${renderText(doc)}\n`);
  };
  let o: RunnerOptions;
  try {
    o = parseRunnerArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (json) emit(errorDocument(askedSuite(argv), "configuration", e.message));
    else io.stderr(`suite: ${e.message}\n${USAGE}\n`);
    return EXIT.configuration;
  }
  let lastProgressAt = 0;
  const progress = (line: string) => {
    if (line.startsWith("[load]")) {
      if (io.tty) return io.stderr(`\r${line}\x1b[K`);
      if (Date.now() - lastProgressAt < 5000) return;
      lastProgressAt = Date.now();
    }
    io.stderr(`${io.tty ? "\r\x1b[K" : ""}${line}\n`);
  };
  const doc =
    o.suite === "cloud"
      ? await cloud(o, io)
      : await runSuites(o, { progress, ...(json ? {} : { onResult: (r) => io.stderr(`${io.tty ? "\r\x1b[K" : ""}${resultLine(r)}\n`) }) });
  emit(doc);
  return doc.exit_code;
}
