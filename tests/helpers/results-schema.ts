import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { ROOT } from "./paths";

export const RESULTS_SCHEMA_FILE = path.join(ROOT, "docs/test-results.schema.json");

/** A validator for the published schema, independent of the zod schema it was generated from. */
export function resultsValidator(): (doc: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, "utf8")) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? ""}`));
}
