/** Required labels and tags, with each cloud's syntax; tags reach what an Auto Scaling group launches. */
import { REQUIRED_LABEL_KEYS } from "../infra/naming";
import { labelInput, labelsOf, labelSyntaxValid } from "./lib/labels";
import type { ResourcePolicy } from "./lib/policy";
import { asArray, type Props } from "./lib/values";

interface LabelConfig {
  requiredLabels: string[];
}

export const requiredLabels: ResourcePolicy = {
  name: "required-labels",
  description: "Every resource that takes labels or tags carries the required set (project, stack, environment, component, owner, cost-center, managed-by), in its cloud's syntax.",
  severity: "medium",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_missing_labels; TFLint aws_resource_missing_tags",
  remediationSteps: "Build labels with infra/naming.ts (awsTags, gcpLabels, hcloudLabels) and pass them to the resource.",
  configSchema: { properties: { requiredLabels: { type: "array", items: { type: "string" }, default: [...REQUIRED_LABEL_KEYS] } } },
  validateResource: (args, report) => {
    const input = labelInput(args.type);
    if (!input) return;
    const labels = labelsOf(args.type, args.props as Props);
    const { requiredLabels: required } = args.getConfig<LabelConfig>();
    if (!labels) {
      report(`${args.name} has no ${input}; required: ${required.join(", ")}`);
      return;
    }
    const missing = required.filter((k) => !labels[k]);
    if (missing.length > 0) report(`${args.name} lacks ${input}: ${missing.join(", ")}`);
    for (const [k, v] of Object.entries(labels)) {
      if (!labelSyntaxValid(args.type, k, String(v))) report(`${args.name}: ${input} ${k}=${String(v)} is not valid ${args.type.split(":")[0]} syntax`);
    }
  },
};

export const tagsPropagate: ResourcePolicy = {
  name: "asg-tags-propagate",
  description: "Auto Scaling group tags propagate at launch, and launch templates tag the instances and volumes they create.",
  severity: "low",
  enforcementLevel: "mandatory",
  anchor: "Terraform module aws: propagate_at_launch on every tag",
  remediationSteps: "Use asgTags() from infra/naming.ts (propagateAtLaunch: true) and give the launch template tagSpecifications for instance and volume.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:autoscaling/group:Group") {
      const notPropagated = asArray<Props>(p.tags).filter((t) => t.propagateAtLaunch !== true).map((t) => String(t.key));
      if (notPropagated.length > 0) report(`${args.name}: tags not propagated at launch: ${notPropagated.join(", ")}`);
    }
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
      const kinds = new Set(asArray<Props>(p.tagSpecifications).map((t) => String(t.resourceType)));
      for (const k of ["instance", "volume"]) if (!kinds.has(k)) report(`${args.name}: no tagSpecifications for ${k}`);
    }
  },
};

export const labelPolicies = [requiredLabels, tagsPropagate];
