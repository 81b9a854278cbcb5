// npm run plan -- --stack <name> [--output json|table]
// Exit codes: 0 no mandatory violation, 1 at least one, 3 configuration error.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { plan, PlanConfigError } from "../infra/plan/plan";
import { renderTable } from "../infra/plan/render";

const root = path.resolve(__dirname, "..");

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { stack: { type: "string" }, output: { type: "string", default: "table" } }, strict: true }));
  } catch (e) {
    console.error(`plan: ${(e as Error).message}\nusage: npm run plan -- --stack <name> [--output json|table]`);
    return 3;
  }
  if (!values.stack) {
    console.error("plan: --stack is required (for example --stack staging)");
    return 3;
  }
  if (values.output !== "json" && values.output !== "table") {
    console.error(`plan: --output must be json or table (got ${values.output})`);
    return 3;
  }
  try {
    const result = await plan({ root, stack: values.stack });
    console.log(values.output === "json" ? JSON.stringify(result, null, 2) : renderTable(result));
    return result.summary.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof PlanConfigError) {
      console.error(`plan: configuration error: ${e.message}`);
      return 3;
    }
    throw e;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(4);
  },
);
