import type { EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import type { PolicyResource } from "@pulumi/policy/policy";

/** Every policy in the pack states these; the pack's tests and docs read them. */
interface Described {
  name: string;
  description: string;
  severity: Severity;
  remediationSteps: string;
  enforcementLevel: EnforcementLevel;
  /** The check this replaces in the old setup (Checkov id, OPA rule, TFLint rule), for docs/policies.md. */
  anchor: string;
}

export type ResourcePolicy = ResourceValidationPolicy & Described & {
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void | Promise<void>;
};
export type StackPolicy = StackValidationPolicy & Described;
export type HybridPolicy = ResourcePolicy | StackPolicy;
export type { EnforcementLevel, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs };

export function isStackPolicy(p: HybridPolicy): p is StackPolicy {
  return "validateStack" in p;
}

/** Resources that another resource's input came from, by property name. */
export function dependenciesOf(r: PolicyResource, property: string): PolicyResource[] {
  return r.propertyDependencies[property] ?? [];
}
