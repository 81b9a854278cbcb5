// npm run bench [-- --runs N] [--duration S] [--hogs LIST] [--record] ...: measurements side by side, see docs/performance.md.
import { BENCH_USAGE, benchCli } from "../tests/bench/cli";
import { runEntry } from "./lib/entry";

runEntry({ name: "bench", usage: BENCH_USAGE }, (argv) => benchCli(argv, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }));
