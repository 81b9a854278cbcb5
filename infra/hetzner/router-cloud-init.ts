/** The routers' user data: HAProxy from the distribution, its rendered config, the burst CA and the key list. */
import { stringify } from "yaml";
import { ROUTER_PATHS } from "./router-spec";

export interface RouterCloudInit {
  haproxyConfig: string;
  /** PEM of the CA that signs the burst pools' certificates. */
  burstCaPem: string;
  /** The API key the nodes require; the router refuses requests without it before they reach a node. */
  apiKey?: string;
}

/**
 * The Hetzner metadata service serves the user data, which holds the API key: after boot only root may reach it
 * (HAProxy runs as haproxy). The same owner rule as the base nodes' guard (node-setup.sh metadata_guard), run at
 * every boot before HAProxy starts.
 */
export const METADATA_GUARD_SCRIPT = [
  "#!/usr/bin/env bash",
  "# hybrid-inference: the metadata service (169.254.169.254) for root only. Idempotent.",
  "set -euo pipefail",
  "ip=169.254.169.254",
  "iptables -w -N HI-METADATA 2>/dev/null || iptables -w -F HI-METADATA",
  "iptables -w -A HI-METADATA -m owner --uid-owner 0 -j RETURN",
  "iptables -w -A HI-METADATA -p tcp -j REJECT --reject-with tcp-reset",
  "iptables -w -A HI-METADATA -j REJECT",
  'iptables -w -C OUTPUT -d "$ip/32" -j HI-METADATA 2>/dev/null || iptables -w -I OUTPUT 1 -d "$ip/32" -j HI-METADATA',
  "",
].join("\n");

export const METADATA_GUARD_PATH = "/usr/local/sbin/hybrid-inference-metadata-guard";

const METADATA_GUARD_UNIT = [
  "[Unit]",
  "Description=hybrid-inference: metadata service for root only",
  "Before=haproxy.service",
  "DefaultDependencies=no",
  "After=local-fs.target",
  "",
  "[Service]",
  "Type=oneshot",
  "RemainAfterExit=yes",
  `ExecStart=${METADATA_GUARD_PATH}`,
  "",
  "[Install]",
  "WantedBy=multi-user.target",
  "",
].join("\n");

export function renderRouterCloudInit(i: RouterCloudInit): string {
  const files = [
    { path: ROUTER_PATHS.config, content: i.haproxyConfig, permissions: "0644", owner: "root:root" },
    { path: ROUTER_PATHS.burstCa, content: i.burstCaPem, permissions: "0644", owner: "root:root" },
    // HAProxy reads pattern files while it parses its config, as root, before it drops to the haproxy user.
    ...(i.apiKey ? [{ path: ROUTER_PATHS.apiKeys, content: `Bearer ${i.apiKey}\n`, permissions: "0600", owner: "root:root" }] : []),
    { path: METADATA_GUARD_PATH, content: METADATA_GUARD_SCRIPT, permissions: "0755", owner: "root:root" },
    { path: "/etc/systemd/system/hybrid-inference-metadata-guard.service", content: METADATA_GUARD_UNIT, permissions: "0644", owner: "root:root" },
  ];
  const doc = {
    package_update: true,
    packages: ["haproxy"],
    write_files: files,
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "hybrid-inference-metadata-guard.service"],
      ["haproxy", "-c", "-f", ROUTER_PATHS.config],
      ["systemctl", "enable", "haproxy"],
      ["systemctl", "restart", "haproxy"],
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
