/** The offline plan's command line: argument checks, output format and exit codes (0 pass, 1 mandatory violation, 3 configuration error). */
import { parseArgs } from "node:util";
import { plan, PlanConfigError, type PlanOptions } from "./plan";
import { renderTable } from "./render";

export const USAGE = `usage: npm run plan -- --stack <name> [--output json|table]
Runs the program for Pulumi.<name>.yaml under the mock runtime, evaluates the policy pack and prices the result.
  --stack <name>          the stack (a Pulumi.<name>.yaml beside Pulumi.yaml), required
  --output json|table     json prints one document on stdout (default table)
Exit codes: 0 no mandatory violation, 1 a mandatory violation, 3 a bad flag, stack file or config value.`;

export interface CliIo {
  root: string;
  out: (s: string) => void;
  err: (s: string) => void;
  load?: PlanOptions["load"];
}

export async function planCli(argv: string[], io: CliIo): Promise<number> {
  let values: { stack?: string; output?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, output: { type: "string", default: "table" } }, strict: true }));
  } catch (e) {
    io.err(`plan: ${(e as Error).message}\n${USAGE}`);
    return 3;
  }
  if (!values.stack) {
    io.err(`plan: --stack is required (for example --stack staging)\n${USAGE}`);
    return 3;
  }
  if (values.output !== "json" && values.output !== "table") {
    io.err(`plan: --output must be json or table (got ${values.output})`);
    return 3;
  }
  try {
    const result = await plan({ root: io.root, stack: values.stack, ...(io.load ? { load: io.load } : {}) });
    io.out(values.output === "json" ? JSON.stringify(result, null, 2) : renderTable(result));
    return result.summary.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof PlanConfigError) {
      io.err(`plan: configuration error: ${e.message}`);
      return 3;
    }
    throw e;
  }
}
