/** The shapes of the provider-rules layer: a rule, what it reads, what it reports. */

export type Props = Record<string, unknown>;

/** One registered resource as a rule sees it: inputs as the provider's Check leaves them, joined to its dependencies. */
export interface RuleResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  inputs: Props;
  /** Inputs and computed outputs. */
  state: Props;
  /** Top-level inputs that hold secrets: their values are never printed. */
  secretKeys: string[];
  /** The resources each input's value came from. */
  deps: Record<string, RuleResource[]>;
  autonamed?: { field: string; error?: string; source: string };
}

export interface RuleContext {
  all: RuleResource[];
  ofType(type: string): RuleResource[];
}

/** What a rule found wrong: the field (a dotted path) and the reason. The value is looked up from the field. */
export interface Finding {
  field: string;
  message: string;
  /** Overrides the value shown (for derived values such as a decoded size). */
  value?: unknown;
  /** A more precise source than the rule's own (a generated limit names the SDK doc it came from). */
  source?: string;
  /** Where this particular check fails, when it differs from the rule's phase. */
  phase?: Phase;
}

export type Phase = "preview" | "up";

export interface ProviderRule {
  id: string;
  /** The resource types it reads. */
  types: readonly string[];
  description: string;
  /** Where the real CLI fails: `preview` (the provider's Check, or the engine's autonaming), `up` (the cloud API). */
  phase: Phase;
  /** Provider source file, API reference or doc page that states the rule. */
  source: string;
  check(r: RuleResource, ctx: RuleContext): Finding[];
}

/** One provider-rule failure, as the plan reports it. */
export interface ProviderError {
  rule: string;
  phase: Phase;
  type: string;
  /** The resource's logical name. */
  resource: string;
  urn: string;
  field: string;
  value: unknown;
  message: string;
  source: string;
}
