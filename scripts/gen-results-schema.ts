// npm run gen:results-schema: writes docs/test-results.schema.json from the runner's zod schema.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { resultsJsonSchema } from "../tests/suites/results";

const file = path.resolve(__dirname, "../docs/test-results.schema.json");
writeFileSync(file, `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
