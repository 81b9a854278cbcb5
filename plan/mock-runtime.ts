/**
 * The Pulumi mock runtime, recording every registered resource with its parent, its inputs
 * (secrets unwrapped but listed) and its property dependencies: what the offline plan and the tests read.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor, type Mocks } from "@pulumi/pulumi/runtime/mocks";
import { mockCall, mockResource } from "./mock-outputs";
import { dayEpoch } from "./mock-tls";
import { checkedInputs } from "./provider-rules/autonaming";
import { unwrapSecrets } from "./secret-values";

export { unwrapSecrets };

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export interface CapturedResource {
  urn: string;
  id?: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  provider?: string;
  inputs: Record<string, unknown>;
  /** Top-level input keys that hold secrets. */
  secretKeys: string[];
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  /** Inputs whose change replaces the resource whatever the provider says (the replaceOnChanges option). */
  replaceOnChanges: string[];
  /** Every resource it depends on: its inputs' sources and its dependsOn. */
  dependencies: string[];
  /** For each input key, the URNs of the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
  state: Record<string, unknown>;
  /** Set when the provider named the resource itself: the input it filled, and why it would refuse, if it would. */
  autonamed?: { field: string; error?: string; source: string };
}

interface PendingResource {
  inputs: Record<string, unknown>;
  autonamed?: CapturedResource["autonamed"];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
}
interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, res: unknown) => void;

/** Wraps the mock monitor's registerResource to record each resource as the engine would see it. */
function recordRegistrations(monitor: MockMonitor, captured: CapturedResource[], pendingInputs: Map<string, PendingResource>, replaceOnChanges: Map<string, string[]>): void {
  // The engine leaves the root stack out of its children's URNs; the mock monitor would prefix its type.
  const withUrn = monitor as unknown as { newUrn(parent: string, type: string, name: string): string };
  const newUrn = withUrn.newUrn.bind(monitor);
  withUrn.newUrn = (parent, type, name) => newUrn(parent && parent.split("::")[2] === ROOT_STACK_TYPE ? "" : parent, type, name);
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req: RegisterRequest, callback: Callback): Promise<void> => {
    const deps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      deps[k] = v.getUrnsList();
    });
    // Read by the mock's newResource (called inside the original): a replacement gets new cloud-assigned ids.
    replaceOnChanges.set(`${req.getType()}::${req.getName()}`, req.getReplaceonchangesList());
    await original(req, (err: unknown, res: unknown) => {
      if (!err && res) {
        const r = res as RegisterResponse;
        const pending = pendingInputs.get(`${req.getType()}::${req.getName()}`);
        const raw = pending?.inputs ?? {};
        const inputs: Record<string, unknown> = {};
        const secretKeys: string[] = [];
        for (const [k, v] of Object.entries(raw)) {
          const [u, s] = unwrapSecrets(v);
          inputs[k] = u;
          if (s) secretKeys.push(k);
        }
        const [state] = unwrapSecrets(r.getObject()?.toJavaScript() ?? {});
        const parent = req.getParent();
        const provider = req.getProvider();
        const id = r.getId();
        captured.push({
          urn: r.getUrn(),
          ...(id ? { id } : {}),
          type: req.getType(),
          name: req.getName(),
          ...(parent ? { parent } : {}),
          custom: req.getCustom(),
          ...(provider ? { provider } : {}),
          inputs,
          secretKeys,
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
          ignoreChanges: req.getIgnorechangesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          replaceOnChanges: req.getReplaceonchangesList(),
          dependencies: req.getDependenciesList(),
          propertyDependencies: deps,
          state: state as Record<string, unknown>,
          ...(pending?.autonamed ? { autonamed: pending.autonamed } : {}),
        });
      }
      callback(err, res);
    });
  };
}

/** A provider reference is "<provider urn>::<id>"; the URN ends with "::<type>::<name>". */
export function providerKeyOfReference(ref: string): string {
  const parts = ref.split("::");
  const type = (parts[parts.length - 3] ?? "").split("$").pop() ?? "";
  return `${type}::${parts[parts.length - 2] ?? ""}`;
}

export interface MockRuntimeOptions {
  project: string;
  stack: string;
  /** Fully qualified config ("ns:key") to plain string values, as the engine passes them. */
  config?: Record<string, string>;
  secretKeys?: string[];
  preview?: boolean;
  /** "Now" for what the providers date (certificate validity); default the start of the current UTC day. */
  epoch?: Date;
}

export interface MockRuntime {
  resources(): CapturedResource[];
  /** Resolves once no registration has happened for a few turns of the event loop. */
  settle(): Promise<CapturedResource[]>;
}

export async function startMockRuntime(o: MockRuntimeOptions): Promise<MockRuntime> {
  pulumi.runtime.setAllConfig(o.config ?? {}, o.secretKeys ?? []);
  const epoch = o.epoch ?? dayEpoch();
  const captured: CapturedResource[] = [];
  const pendingInputs = new Map<string, PendingResource>();
  const replaceOnChanges = new Map<string, string[]>();
  /** Provider resources' inputs by reference ("<urn>::<id>"), so a resource's mock outputs use its provider's region. */
  const providers = new Map<string, Record<string, unknown>>();
  // Provider answers still being computed (the tls mock makes real keys): settle() waits for them.
  let inFlight = 0;
  const mocks: Mocks = {
    newResource(args) {
      // Like the provider's Check: propose the physical name the program did not set, and keep it in the inputs.
      const { inputs, autonamed } = checkedInputs(args.type, args.name, (args.inputs ?? {}) as Record<string, unknown>);
      pendingInputs.set(`${args.type}::${args.name}`, { inputs, ...(autonamed ? { autonamed } : {}) });
      const providerInputs = args.provider ? providers.get(providerKeyOfReference(args.provider)) : undefined;
      if (args.type.startsWith("pulumi:providers:")) providers.set(`${args.type}::${args.name}`, inputs);
      inFlight++;
      return mockResource({ ...args, inputs }, providerInputs, o.stack, epoch, replaceOnChanges.get(`${args.type}::${args.name}`) ?? []).finally(() => inFlight--);
    },
    call: (args) => mockCall(args, args.provider ? providers.get(providerKeyOfReference(args.provider)) : undefined),
  };
  await pulumi.runtime.setMocks(mocks, o.project, o.stack, o.preview ?? false);
  recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitor, captured, pendingInputs, replaceOnChanges);
  const m = { captured };
  return {
    resources: () => [...m.captured],
    async settle() {
      let stable = 0;
      let last = -1;
      while (stable < 5) {
        await new Promise((r) => setTimeout(r, 2));
        const n = m.captured.length;
        stable = n === last && inFlight === 0 ? stable + 1 : 0;
        last = n;
      }
      return [...m.captured];
    },
  };
}
