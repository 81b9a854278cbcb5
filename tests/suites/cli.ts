/** The runner's command line: parse, run, print (JSON on stdout or text for people), and return the exit code. */
import { EXIT, type ExitCode } from "./results";
import { parseRunnerArgs, type RunnerOptions, UsageError, wantsJson } from "./options";
import { resultLine, renderText } from "./render";
import { errorDocument, runSuites } from "./run";
import type { ResultsDocument } from "./results";

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True when stderr is a terminal: the load progress line then redraws in place. */
  tty: boolean;
}

export type CloudRunner = (o: RunnerOptions, io: CliIo) => Promise<ResultsDocument>;

/** Loaded on demand: the Automation API and the provider SDKs are only needed by --suite cloud. */
const realCloud: CloudRunner = async (o, io) => (await import("./cloud")).cloudSmoke(o, io);

export async function suiteCli(argv: string[], io: CliIo, cloud: CloudRunner = realCloud): Promise<ExitCode> {
  const json = wantsJson(argv);
  const emit = (doc: ResultsDocument) => (json ? io.stdout(`${JSON.stringify(doc, null, 2)}\n`) : io.stdout(`${renderText(doc)}\n`));
  let o: RunnerOptions;
  try {
    o = parseRunnerArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    emit(errorDocument("all", "configuration", e.message));
    return EXIT.configuration;
  }
  let lastProgressAt = 0;
  const progress = (line: string) => {
    if (json) return;
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
