/** The offline plan's command line: argument checks, output format and exit codes (0 pass, 1 mandatory violation, 3 configuration error). */
import { parseArgs } from "node:util";
import { plan, PlanConfigError, type PlanOptions } from "./plan";
import { renderTable } from "./render";
import { dayEpoch } from "./mock-tls";
import { AgainstError, resolveAgainst } from "./update/against";
import { renderUpdate } from "./update/render";
import { FINDING_RULES, updatePlan } from "./update/update-plan";

export const USAGE = `usage: npm run plan -- --stack <name> [--against <git ref | plan.json> [--accept <rule,...>]] [--output json|table] [--epoch <ISO time>]
Runs the program for Pulumi.<name>.yaml under the mock runtime, evaluates the policy pack and prices the result.
  --stack <name>          the stack (a Pulumi.<name>.yaml beside Pulumi.yaml), required
  --against <ref|file>    the update plan: also plans the stack at a git ref (or reads a plan JSON) and reports what
                          the next pulumi up does to every resource, in order, and what it would break
  --accept <rule,...>     update findings taken on knowingly (reported, exit 0): replace-refused, outage, overlap, data-loss
  --output json|table     json prints one document on stdout (default table)
  --epoch <ISO time>      the run's "now" for certificate validity (default the start of the UTC day)
Exit codes: 0 no mandatory violation or finding, 1 a mandatory violation or finding, 3 a bad flag, ref, stack file or config value.`;

export interface CliIo {
  root: string;
  out: (s: string) => void;
  err: (s: string) => void;
  load?: PlanOptions["load"];
}

export async function planCli(argv: string[], io: CliIo): Promise<number> {
  let values: { stack?: string; output?: string; against?: string; epoch?: string; accept?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, output: { type: "string", default: "table" }, against: { type: "string" }, epoch: { type: "string" }, accept: { type: "string" } }, strict: true }));
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
  const accept = (values.accept ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  const unknownRule = accept.find((r) => !(FINDING_RULES as readonly string[]).includes(r));
  if (unknownRule !== undefined || (accept.length > 0 && values.against === undefined)) {
    io.err(unknownRule !== undefined ? `plan: --accept takes ${FINDING_RULES.join(", ")} (got ${unknownRule})` : "plan: --accept applies to an update plan (--against)");
    return 3;
  }
  let epoch = values.epoch === undefined ? dayEpoch() : new Date(values.epoch);
  if (Number.isNaN(epoch.getTime())) {
    io.err(`plan: --epoch must be an ISO 8601 time such as 2026-12-01T00:00:00Z (got ${values.epoch})`);
    return 3;
  }
  try {
    if (values.against !== undefined) {
      const before = resolveAgainst(io.root, values.against, values.stack, epoch);
      epoch = before.epoch;
      const after = await plan({ root: io.root, stack: values.stack, epoch, ...(io.load ? { load: io.load } : {}) });
      const update = updatePlan(before, after, before.info, accept);
      io.out(values.output === "json" ? JSON.stringify(update, null, 2) : renderUpdate(update));
      return update.summary.passed ? 0 : 1;
    }
    const result = await plan({ root: io.root, stack: values.stack, epoch, ...(io.load ? { load: io.load } : {}) });
    io.out(values.output === "json" ? JSON.stringify(result, null, 2) : renderTable(result));
    return result.summary.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof PlanConfigError) {
      io.err(`plan: configuration error: ${e.message}`);
      return 3;
    }
    if (e instanceof AgainstError) {
      io.err(`plan: --against: ${e.message}`);
      return 3;
    }
    throw e;
  }
}
