/**
 * Rolling replacement as the program builds it: base servers and routers replaced delete-first, one at a time, each
 * behind the gate of the one before; the gates' scripts; and the API key rotation with both keys accepted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderGateScript } from "../../infra/hetzner/rollout";
import { ROUTER_PATHS } from "../../infra/hetzner/router-spec";
import { checkApiKeys } from "../../infra/stack-config";
import { ofType, type ProgramRun, runProgram } from "../helpers/fleet";
import { shellcheck } from "../helpers/tools";

const SERVER = "hcloud:index/server:Server";
const GATE = "command:local:Command";
type Labels = Record<string, string>;

describe("prod's servers roll one at a time", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod");
  }, 60_000);
  const servers = (component: string) => ofType(run.resources, SERVER).filter((s) => (s.inputs.labels as Labels).component === component).sort((a, b) => a.name.localeCompare(b.name));
  const gateOf = (name: string) => ofType(run.resources, GATE).find((g) => g.name === `${name}-ready`);

  it.each(["base", "router"])("replaces each %s server delete-first (its primary IPs and private IP stay), after a graceful shutdown, and for a type change", (component) => {
    for (const s of servers(component)) {
      expect(s).toMatchObject({ deleteBeforeReplace: true, replaceOnChanges: ["serverType"] });
      expect(s.inputs.shutdownBeforeDeletion).toBe(true);
    }
  });

  it.each(["base", "router"])("puts every %s server after the first behind the gate of the one before, and gates each one", (component) => {
    const list = servers(component);
    expect(list.length).toBeGreaterThanOrEqual(2);
    list.forEach((s, i) => {
      const gate = gateOf(s.name);
      expect(gate?.inputs.triggers).toEqual([s.id]);
      expect(gate?.dependencies).toContain(s.urn);
      if (i > 0) expect(s.dependencies).toContain(gateOf(list[i - 1]?.name as string)?.urn);
      else expect(s.dependencies.some((d) => d.includes(GATE))).toBe(false);
    });
  });

  it("asks through the load balancer only once its service and targets exist, with the key as a secret", () => {
    for (const g of ofType(run.resources, GATE)) {
      expect(g.dependencies.some((d) => d.includes("loadBalancerService"))).toBe(true);
      expect(g.dependencies.some((d) => d.includes("loadBalancerTarget"))).toBe(true);
      expect(g.secretKeys).toContain("environment");
      expect(g.inputs.environment).toMatchObject({ HI_GATE_HOST: "inference.acme-platform.example" });
      expect(shellcheck(String(g.inputs.create))).toEqual({ status: 0, output: "" });
    }
  });
});

describe("the gate script", () => {
  it("waits for a node through every router and for a router by its id", () => {
    expect(renderGateScript({ kind: "node", name: "base1", routers: ["router0", "router1"] })).toContain("need=(router0 router1)");
    expect(renderGateScript({ kind: "router", id: "router1" })).toContain("need=(router1)");
  });

  it("refuses names that are not safe in a script", () => {
    expect(() => renderGateScript({ kind: "node", name: "base1", routers: ["r0; rm -rf /"] })).toThrow(/not safe/);
    expect(() => renderGateScript({ kind: "node", name: "base 1", routers: ["r0"] })).toThrow(/not safe/);
  });
});

describe("rotating the API key", () => {
  const NEW = "n".repeat(40);
  const OLD = "o".repeat(40);
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod", { overrides: { "hybrid-inference:apiKey": NEW, "hybrid-inference:apiKeyPrevious": OLD }, secrets: ["hybrid-inference:apiKey", "hybrid-inference:apiKeyPrevious"] });
  }, 60_000);
  const files = (s: { inputs: Record<string, unknown> }) => (parse(String(s.inputs.userData).replace(/^#cloud-config\n/, "")) as { write_files: Array<{ path: string; content: string }> }).write_files;

  it("has every router, node and pool accept both keys while the gates ask with the new one", () => {
    for (const s of ofType(run.resources, SERVER)) {
      const role = (s.inputs.labels as Labels).component;
      const f = files(s).find((x) => x.path === (role === "router" ? ROUTER_PATHS.apiKeys : "/etc/hybrid-inference/secrets/llama-api-key"));
      expect(f?.content).toBe(role === "router" ? `Bearer ${NEW}\nBearer ${OLD}\n` : `${NEW}\n${OLD}\n`);
    }
    expect(ofType(run.resources, "aws:ssm/parameter:Parameter")[0]?.inputs.value).toBe(`${NEW}\n${OLD}`);
    expect(ofType(run.resources, "gcp:secretmanager/secretVersion:SecretVersion")[0]?.inputs.secretData).toBe(`${NEW}\n${OLD}`);
    for (const g of ofType(run.resources, GATE)) expect((g.inputs.environment as Record<string, string>).HI_API_KEY).toBe(NEW);
  });

  it("refuses a previous key alone, equal to the new one, or keys that cannot be one line of a key file", () => {
    expect(() => checkApiKeys(undefined, OLD)).toThrow(/apiKeyPrevious is set without hybrid-inference:apiKey/);
    expect(() => checkApiKeys(NEW, NEW)).toThrow(/apiKeyPrevious equals/);
    expect(() => checkApiKeys(`${NEW}\nx`, undefined)).toThrow(/apiKey must be 16-512 printable characters/);
    expect(() => checkApiKeys("short", undefined)).toThrow(/apiKey must be 16-512/);
    expect(() => checkApiKeys(NEW, OLD)).not.toThrow();
  });
});
