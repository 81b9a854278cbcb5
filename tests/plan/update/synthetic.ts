/** Plan resources built by hand for the update plan's unit tests. */
import type { PlanResource } from "../../../plan/plan";

export const urnOf = (type: string, name: string) => `urn:pulumi:prod::hybrid-inference::${type}::${name}`;

export function pr(type: string, name: string, inputs: Record<string, unknown> = {}, o: Partial<PlanResource["options"]> & { deps?: string[]; propertyDependencies?: Record<string, string[]>; autonamed?: string } = {}): PlanResource {
  const propertyDependencies = o.propertyDependencies ?? {};
  return {
    type, name, urn: urnOf(type, name), inputs,
    dependencies: [...new Set([...(o.deps ?? []), ...Object.values(propertyDependencies).flat()])],
    propertyDependencies,
    options: { protect: o.protect ?? false, deleteBeforeReplace: o.deleteBeforeReplace ?? false, retainOnDelete: o.retainOnDelete ?? false, ignoreChanges: o.ignoreChanges ?? [], replaceOnChanges: o.replaceOnChanges ?? [] },
    ...(o.autonamed ? { autonamed: o.autonamed } : {}),
  };
}

export const SERVER = "hcloud:index/server:Server";
export const GATE = "command:local:Command";

/** A pool of servers, each behind the gate of the one before when `chained`. */
export function pool(n: number, userData: string, o: { chained: boolean; deleteBeforeReplace?: boolean; pin?: boolean } = { chained: true }): PlanResource[] {
  const out: PlanResource[] = [];
  for (let i = 0; i < n; i++) {
    const name = `base-${i}`;
    const deps = o.chained && i > 0 ? [urnOf(GATE, `base-${i - 1}-ready`)] : [];
    const inputs: Record<string, unknown> = { name, serverType: "ccx33", image: "debian-12", userData: `${userData}-${i}`, labels: { pool: "base" }, ...(o.pin ? { publicNets: [{ ipv4: 100 + i }], networks: [{ ip: `10.10.1.${10 + i}` }] } : {}) };
    out.push(pr(SERVER, name, inputs, { deps, deleteBeforeReplace: o.deleteBeforeReplace ?? true }));
    // The gate's trigger is the server's id, which changes with a replacement (the mock seeds ids so).
    out.push(pr(GATE, `${name}-ready`, { create: "wait", triggers: [`${name}:${userData}`] }, { propertyDependencies: { triggers: [urnOf(SERVER, name)] } }));
  }
  return out;
}
