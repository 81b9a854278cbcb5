import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorDocument } from "../suites/run";
import { resultsJsonSchema } from "../suites/results";
import { RESULTS_SCHEMA_FILE, resultsValidator } from "../helpers/results-schema";

describe("published results schema", () => {
  it("docs/test-results.schema.json is what the runner's schema generates (npm run gen:results-schema)", () => {
    expect(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, "utf8"))).toEqual(JSON.parse(JSON.stringify(resultsJsonSchema())));
  });

  it("accepts an error document and rejects documents that break it", () => {
    const validate = resultsValidator();
    const doc = errorDocument("smoke", "infrastructure", "down");
    expect(validate(doc)).toEqual([]);
    expect(validate({ ...doc, exit_code: 4 })).not.toEqual([]);
    expect(validate({ ...doc, summary: { ...doc.summary, passed: undefined } })).not.toEqual([]);
    const bad = { ...doc, tests: [{ name: "smoke/x", suite: "smoke", status: "ok", duration: 0 }] };
    expect(validate(bad).join()).toMatch(/status/);
  });
});
