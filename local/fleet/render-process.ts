/**
 * Renders a stack for the local fleet in a process of its own (the mock runtime is process-wide state, and the
 * program registers its resources once per process): runs the program under the offline plan with the fleet's API
 * key, reads the fleet it rendered, checks the provider rules, and writes one JSON document to stdout.
 * Input: argv[2] the project root, argv[3] the stack; the API key in HI_RENDER_API_KEY (never on the command line).
 */
import { CONFIG_NAMESPACE } from "../../infra/config";
import { runStackProgram } from "../../plan/plan";
import { checkProviderRules, toRuleResources } from "../../plan/provider-rules";
import { readRenderedFleet } from "../../plan/rendered/fleet";

async function main(): Promise<void> {
  const [root, stack] = process.argv.slice(2);
  const key = process.env.HI_RENDER_API_KEY;
  if (!root || !stack || !key) throw new Error("usage: render-process <root> <stack> (HI_RENDER_API_KEY set)");
  const { captured } = await runStackProgram({ root, stack, secrets: { [`${CONFIG_NAMESPACE}:apiKey`]: key } });
  const fleet = readRenderedFleet(toRuleResources(captured.filter((c) => c.custom && !c.type.startsWith("pulumi:"))));
  const providerErrors = checkProviderRules(captured).map((e) => `${e.rule}: ${e.resource} ${e.field}: ${e.message}`);
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify({ fleet, providerErrors }), () => resolve()));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof Error && e.name === "PlanConfigError" ? 3 : 2);
  },
);
