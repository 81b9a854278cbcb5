// npm run gen:results-schema: writes docs/test-results.schema.json from the runner's zod schema.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { resultsJsonSchema } from "../tests/suites/results";
import { noFlags, runEntry } from "./lib/entry";

const USAGE = "usage: npm run gen:results-schema\nWrites docs/test-results.schema.json from the suite runner's results schema (tests/suites/results.ts).";

runEntry({ name: "gen:results-schema", usage: USAGE }, async (argv) => {
  noFlags(argv);
  const file = path.resolve(__dirname, "../docs/test-results.schema.json");
  writeFileSync(file, `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  return 0;
});
