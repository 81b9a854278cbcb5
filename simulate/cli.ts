/** `npm run simulate`: flags, the stack's scaling read through the offline plan, the traces, table or JSON, exit codes. */
import { parseArgs } from "node:util";
import { PlanConfigError, runStackProgram } from "../plan/plan";
import { toRuleResources } from "../plan/provider-rules";
import { readScalingModel, type ScalingModel, ScalingModelError } from "./model";
import { renderSimulation } from "./render";
import { simulate, type TraceResult } from "./run";
import { traces } from "./traces";

const TRACE_NAMES = traces({ burstSlots: 1, pools: [] }).map((t) => t.name);

export const SIMULATE_USAGE = `usage: npm run simulate -- --stack <name> [--trace NAME|all] [--output json|table]
Replays demand traces minute by minute against the alarms, scaling policies and autoscaler the stack's program
builds (read through the offline plan), with CloudWatch's, EC2 Auto Scaling's and Compute Engine's documented
semantics (docs/architecture.md, "Scaling").
  --stack <name>        the stack (a Pulumi.<name>.yaml beside Pulumi.yaml), required
  --trace NAME|all      one trace or all (default all): ${TRACE_NAMES.join(", ")}
  --output json|table   json prints one document on stdout (default table)
Exit codes: 0 every check passed, 1 a check failed, 3 a bad flag, stack file or config value.`;

export interface SimulateIo {
  root: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface SimulationDocument {
  stack: string;
  pools: ScalingModel["pools"];
  traces: Array<Omit<TraceResult, "timeline">>;
  passed: boolean;
}

export async function loadScalingModel(root: string, stack: string): Promise<ScalingModel> {
  const { captured } = await runStackProgram({ root, stack });
  return readScalingModel(toRuleResources(captured.filter((c) => c.custom && !c.type.startsWith("pulumi:"))));
}

export function runTraces(stack: string, model: ScalingModel, only?: string): SimulationDocument {
  const all = traces({ burstSlots: model.pools.reduce((n, p) => n + p.maxSlots, 0), pools: model.pools.map((p) => p.name) });
  const chosen = only && only !== "all" ? all.filter((t) => t.name === only) : all;
  const results = chosen.map((t) => {
    const { timeline: _timeline, ...rest } = simulate(model, t);
    return rest;
  });
  return { stack, pools: model.pools, traces: results, passed: results.every((r) => r.checks.every((c) => c.passed)) };
}

export async function simulateCli(argv: string[], io: SimulateIo): Promise<number> {
  const names = TRACE_NAMES;
  const usage = SIMULATE_USAGE;
  let values: { stack?: string; trace?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, trace: { type: "string", default: "all" }, output: { type: "string", default: "table" }, help: { type: "boolean" } }, strict: true }));
  } catch (e) {
    io.err(`simulate: ${(e as Error).message}\n${usage}`);
    return 3;
  }
  if (values.help) {
    io.out(usage);
    return 0;
  }
  if (!values.stack) {
    io.err(`simulate: --stack is required (for example --stack staging)\n${usage}`);
    return 3;
  }
  if (values.output !== "json" && values.output !== "table") {
    io.err(`simulate: --output must be json or table (got ${values.output})`);
    return 3;
  }
  if (values.trace !== "all" && !names.includes(values.trace ?? "")) {
    io.err(`simulate: --trace must be all or one of ${names.join(", ")} (got ${values.trace})`);
    return 3;
  }
  let model: ScalingModel;
  try {
    model = await loadScalingModel(io.root, values.stack);
  } catch (e) {
    if (e instanceof PlanConfigError || e instanceof ScalingModelError) {
      io.err(`simulate: ${e.message}`);
      return 3;
    }
    throw e;
  }
  const doc = runTraces(values.stack, model, values.trace);
  io.out(values.output === "json" ? JSON.stringify(doc, null, 2) : renderSimulation(doc));
  return doc.passed ? 0 : 1;
}
