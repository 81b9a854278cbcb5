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

export function renderRouterCloudInit(i: RouterCloudInit): string {
  const files = [
    { path: ROUTER_PATHS.config, content: i.haproxyConfig, permissions: "0644", owner: "root:root" },
    { path: ROUTER_PATHS.burstCa, content: i.burstCaPem, permissions: "0644", owner: "root:root" },
    // HAProxy reads pattern files while it parses its config, as root, before it drops to the haproxy user.
    ...(i.apiKey ? [{ path: ROUTER_PATHS.apiKeys, content: `Bearer ${i.apiKey}\n`, permissions: "0600", owner: "root:root" }] : []),
  ];
  const doc = {
    package_update: true,
    packages: ["haproxy"],
    write_files: files,
    runcmd: [
      ["haproxy", "-c", "-f", ROUTER_PATHS.config],
      ["systemctl", "enable", "haproxy"],
      ["systemctl", "restart", "haproxy"],
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
