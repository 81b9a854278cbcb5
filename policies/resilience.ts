/** What production must not lose to one careless `pulumi destroy` or replacement: stateful resources and load balancers. */
import type { ResourcePolicy } from "./lib/policy";
import type { Props } from "./lib/values";

export const DEFAULT_STATEFUL_TYPES = ["aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "aws:kms/key:Key"];

interface ProtectConfig {
  types: string[];
}

/**
 * The engine hands every policy the resource's options; `protect` is one of them (retainOnDelete is not, so the
 * components set it beside `protect` and the component tests check it).
 */
export const statefulResourcesProtected: ResourcePolicy = {
  name: "stateful-resources-protected",
  description: "Stateful resources (checkpoint and log buckets, KMS keys; the list is config) carry the `protect` resource option, so no `pulumi destroy`, replacement or removal from the program deletes them. Levels come from the stack's policy config: mandatory in prod.",
  severity: "high",
  enforcementLevel: "advisory",
  anchor: "Pulumi resource option protect (pulumi.com/docs/iac/concepts/options/protect); replaces the claim in docs/architecture.md that prod buckets are protected",
  remediationSteps: "Set hybrid-inference:storage.protect: true for the stack (the components then pass protect and retainOnDelete), or add { protect: true } to the resource's options.",
  configSchema: { properties: { types: { type: "array", items: { type: "string" }, default: DEFAULT_STATEFUL_TYPES } } },
  validateResource: (args, report) => {
    const { types } = args.getConfig<ProtectConfig>();
    if (!types.includes(args.type)) return;
    if (args.opts.protect !== true) report(`${args.name}: ${args.type.split(":")[2]} is not protected (resource option protect)`);
  },
};

/** Load balancers carry the deletion protection their cloud offers. */
export const lbDeletionProtection: ResourcePolicy = {
  name: "lb-deletion-protection",
  description: "AWS load balancers set enableDeletionProtection and Hetzner load balancers set deleteProtection. Levels come from the stack's policy config: mandatory in prod.",
  severity: "medium",
  enforcementLevel: "advisory",
  anchor: "Checkov CKV_AWS_150; hcloud delete_protection (docs.hetzner.cloud/reference/cloud#load-balancers-change-load-balancer-protection)",
  remediationSteps: "Set hybrid-inference:aws.deletionProtection and hybrid-inference:hetzner.deletionProtection to true for the stack. To delete a protected load balancer, turn the setting off and run pulumi up first.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:lb/loadBalancer:LoadBalancer" && p.enableDeletionProtection !== true) report(`${args.name}: enableDeletionProtection is not true`);
    if (args.type === "hcloud:index/loadBalancer:LoadBalancer" && p.deleteProtection !== true) report(`${args.name}: deleteProtection is not true`);
  },
};

export const resiliencePolicies = [statefulResourcesProtected, lbDeletionProtection];
