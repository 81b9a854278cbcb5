/**
 * Rolling replacement of the base nodes and the routers: one at a time, each next one only once the last is healthy
 * through the routers. A gate is a `command.local.Command` that `pulumi up` runs where it runs (CI): it asks the
 * routers, through the load balancer and with the API key, whether they see a node up (or whether a router serves),
 * and returns when every router does. The servers are chained behind the gates with `dependsOn`, so the engine
 * replaces the next server only after the gate before it returned. Why this shape: docs/architecture.md, "Rolling
 * replacement".
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ROUTER_STATUS_PATHS } from "./haproxy";

/**
 * Inputs the provider would change in place by stopping the server (a type change powers it off and leaves it off):
 * replaced instead, so the change takes the same one-at-a-time path as a new image or user data.
 */
export const REPLACE_ON = ["serverType"] as const;

/** Longest a gate waits: a new node installs Docker, pulls the image and downloads the model. */
export const GATE_TIMEOUT_SECONDS = 1800;
const POLL_SECONDS = 2;

export type GateTarget = { kind: "node"; name: string; routers: string[] } | { kind: "router"; id: string };

/**
 * The gate's script. It reads where to ask from the environment: HI_GATE_HOST (the domain, sent as SNI and Host),
 * HI_GATE_ADDRESS (the load balancer's address: the domain need not resolve yet), HI_GATE_PORT (443), HI_API_KEY,
 * HI_GATE_CA_PEM (the CA to trust, for an uploaded certificate from a private CA) and HI_GATE_TIMEOUT.
 */
export function renderGateScript(t: GateTarget, timeoutSeconds = GATE_TIMEOUT_SECONDS): string {
  const path = t.kind === "node" ? `${ROUTER_STATUS_PATHS.node}${t.name}` : ROUTER_STATUS_PATHS.router;
  const need = t.kind === "node" ? t.routers : [t.id];
  const what = t.kind === "node" ? `base node ${t.name}` : `router ${t.id}`;
  for (const id of need) if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`router id ${id} is not safe in a script`);
  if (!/^\/[-a-z0-9/]+$/.test(path)) throw new Error(`path ${path} is not safe in a script`);
  return [
    "#!/usr/bin/env bash",
    `# hybrid-inference rollout gate: wait until ${what} is healthy through the routers (rendered by infra/hetzner/rollout.ts).`,
    "set -euo pipefail",
    ': "${HI_GATE_HOST:?}" "${HI_GATE_ADDRESS:?}" "${HI_API_KEY:?}"',
    'port=${HI_GATE_PORT:-443}',
    `deadline=$((SECONDS + \${HI_GATE_TIMEOUT:-${timeoutSeconds}}))`,
    'tls=()',
    'if [ -n "${HI_GATE_CA_PEM:-}" ]; then',
    '  ca=$(mktemp)',
    '  trap \'rm -f "$ca"\' EXIT',
    '  printf \'%s\\n\' "$HI_GATE_CA_PEM" >"$ca"',
    '  tls=(--cacert "$ca")',
    "fi",
    `need=(${need.join(" ")})`,
    "declare -A seen=()",
    'while [ "$SECONDS" -lt "$deadline" ]; do',
    // The key goes to curl on stdin, never on its command line.
    '  out=$(printf \'header = "authorization: Bearer %s"\\n\' "$HI_API_KEY" |',
    `    curl -sS -K - -o /dev/null -w '%{http_code} %header{x-hybrid-router}' --max-time 10 --resolve "$HI_GATE_HOST:$port:$HI_GATE_ADDRESS" "\${tls[@]}" "https://$HI_GATE_HOST:$port${path}" 2>/dev/null || true)`,
    '  code=${out%% *}',
    '  router=${out#* }',
    '  if [ "$code" = 200 ] && [ -n "$router" ]; then seen[$router]=1; fi',
    "  missing=()",
    '  for r in "${need[@]}"; do [ -n "${seen[$r]:-}" ] || missing+=("$r"); done',
    '  if [ "${#missing[@]}" -eq 0 ]; then',
    `    echo "gate: ${what} is healthy through \${need[*]}" >&2`,
    "    exit 0",
    "  fi",
    `  sleep ${POLL_SECONDS}`,
    "done",
    `echo "gate: ${what} is not healthy through \${missing[*]} after \${HI_GATE_TIMEOUT:-${timeoutSeconds}}s; the rollout stops here" >&2`,
    "exit 1",
    "",
  ].join("\n");
}

export interface GateArgs {
  target: GateTarget;
  /** The server the gate stands behind: a new one (its id changes) runs the gate again. */
  server: pulumi.Resource & { id: pulumi.Output<string> };
  /** Where the routers answer: the domain, the load balancer's address, and what must exist before asking. */
  endpoint: { host: string; address: pulumi.Input<string>; caPem?: pulumi.Input<string> };
  apiKey: pulumi.Input<string>;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** One gate: returns once the target is healthy through every router, or fails `up` after the timeout. */
export function gate(name: string, a: GateArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(name, {
    create: renderGateScript(a.target),
    interpreter: ["/bin/bash", "-c"],
    environment: {
      HI_GATE_HOST: a.endpoint.host,
      HI_GATE_ADDRESS: a.endpoint.address,
      HI_API_KEY: pulumi.secret(a.apiKey),
      ...(a.endpoint.caPem !== undefined ? { HI_GATE_CA_PEM: a.endpoint.caPem } : {}),
    },
    // A new server (a replacement) runs the gate again.
    triggers: [a.server.id],
  }, { ...opts, dependsOn: [a.server, ...a.dependsOn] });
}
