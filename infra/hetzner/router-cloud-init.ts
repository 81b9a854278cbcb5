/**
 * The routers' user data: HAProxy from the distribution, its rendered config, the burst CA, the key list, the
 * metadata guard and the burst-demand publisher with its timer.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { DEMAND_METRIC, FAILOVER_SECONDS, PUBLISH_INTERVAL_SECONDS } from "../scaling/demand";
import { ROUTER_DRAIN } from "./haproxy";
import { ROUTER_PATHS } from "./router-spec";

export const PUBLISHER_SCRIPT_PATH = path.resolve(__dirname, "../../inference-image/router/publish-demand.sh");
export const PUBLISHER_PATHS = {
  script: "/usr/local/sbin/hybrid-inference-publish-demand",
  settings: "/etc/hybrid-inference/publisher.env",
  awsCredentials: "/etc/hybrid-inference/secrets/aws-publisher.env",
  gcpKey: "/etc/hybrid-inference/secrets/gcp-publisher.json",
} as const;

/** What the publisher needs: the pools in spill-over order with their room, and each cloud's destination. */
export interface PublisherSettings {
  pools: { name: string; maxSlots: number; hourlyUsdPerSlot: number }[];
  aws?: { region: string; accessKeyId: string; secretAccessKey: string };
  gcp?: { project: string; keyJson: string };
}

const envLine = (k: string, v: string) => {
  if (/[\n'\\]/.test(v)) throw new Error(`${k} holds a character an env file line cannot`);
  return `${k}='${v}'`;
};

/** The publisher's settings file (no secrets: those are in their own root-only files). */
export function renderPublisherEnv(routerId: string, s: PublisherSettings): string {
  const lines = [
    envLine("HI_ROUTER_ID", routerId),
    envLine("HI_POOLS", JSON.stringify(s.pools)),
    envLine("HI_STATS_SOCKET", ROUTER_PATHS.statsSocket),
    envLine("HI_FAILOVER_SECONDS", String(FAILOVER_SECONDS)),
    ...(s.aws ? [
      envLine("HI_CW_REGION", s.aws.region),
      envLine("HI_CW_NAMESPACE", DEMAND_METRIC.awsNamespace),
      envLine("HI_CW_METRIC", DEMAND_METRIC.awsMetricName),
      envLine("HI_CW_DIMENSION", DEMAND_METRIC.awsDimension),
      envLine("HI_AWS_CREDENTIALS", PUBLISHER_PATHS.awsCredentials),
    ] : []),
    ...(s.gcp ? [
      envLine("HI_GCP_PROJECT", s.gcp.project),
      envLine("HI_GCP_METRIC_TYPE", DEMAND_METRIC.gcpMetricType),
      envLine("HI_GCP_POOL_LABEL", DEMAND_METRIC.gcpPoolLabel),
      envLine("HI_GCP_KEY_FILE", PUBLISHER_PATHS.gcpKey),
    ] : []),
  ];
  return `${lines.join("\n")}\n`;
}

const PUBLISHER_SERVICE = [
  "[Unit]",
  "Description=hybrid-inference: publish burst demand to CloudWatch and Cloud Monitoring",
  "After=haproxy.service network-online.target",
  "Wants=network-online.target",
  "",
  "[Service]",
  "Type=oneshot",
  `EnvironmentFile=${PUBLISHER_PATHS.settings}`,
  `ExecStart=${PUBLISHER_PATHS.script}`,
  "",
].join("\n");

const PUBLISHER_TIMER = [
  "[Unit]",
  "Description=hybrid-inference: publish burst demand every few seconds",
  "",
  "[Timer]",
  "OnBootSec=30s",
  // Counted from the end of the last run, not its start: two writes of a series are always an interval apart
  // (Cloud Monitoring refuses points of one series less than 5 s apart), however long a run took.
  `OnUnitInactiveSec=${PUBLISH_INTERVAL_SECONDS}s`,
  "AccuracySec=1s",
  "",
  "[Install]",
  "WantedBy=timers.target",
  "",
].join("\n");

export interface RouterCloudInit {
  haproxyConfig: string;
  /** How long the load balancer takes to stop sending to a router whose /healthz fails, and how long in-flight requests may then take. */
  drain: { detectSeconds: number; finishSeconds: number };
  /** PEM of the CA that signs the burst pools' certificates. */
  burstCaPem: string;
  /** The API keys the nodes accept, one per line (a new one and the one being retired); the router refuses requests without one before they reach a node. */
  apiKey?: string;
  /** This router's name, and the demand publisher's settings when there are burst pools. */
  routerId: string;
  publisher?: PublisherSettings;
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

/** The HAProxy series the tests run, and the check a router runs before it starts HAProxy. */
export const ROUTER_HAPROXY_SERIES = "2.6";
export const HAPROXY_CHECK = `haproxy -v | grep -q '^HAProxy version ${ROUTER_HAPROXY_SERIES.replace(".", "\\.")}\\.' && haproxy -vv | grep -q 'Built with the Prometheus exporter' || { echo 'hybrid-inference: this image does not ship HAProxy ${ROUTER_HAPROXY_SERIES} with the Prometheus exporter' >&2; exit 1; }`;

export const ROUTER_DRAIN_PATH = "/usr/local/sbin/hybrid-inference-router-drain";

/**
 * Run by systemd before HAProxy stops (a replacement with shutdownBeforeDeletion, a reboot): /healthz fails, the load
 * balancer stops sending here within its checks, then HAProxy soft-stops (SIGUSR1: no new connections, the ones it has
 * finish) and the script waits for it, at most finishSeconds; systemd then ends what is left.
 */
export function renderRouterDrain(d: RouterCloudInit["drain"]): string {
  return [
    "#!/usr/bin/env bash",
    "# hybrid-inference: drain this router before HAProxy stops (rendered by infra/hetzner/router-cloud-init.ts).",
    "set -euo pipefail",
    `sock=\${HI_STATS_SOCKET:-${ROUTER_PATHS.statsSocket}}`,
    `pid=\${MAINPID:-$(cat "\${HI_PIDFILE:-/run/haproxy.pid}" 2>/dev/null || true)}`,
    `printf 'set server ${ROUTER_DRAIN.backend}/${ROUTER_DRAIN.server} state maint\\n' | socat -t 5 stdio "unix-connect:$sock" >/dev/null || true`,
    `echo "router drain: /healthz fails; the load balancer stops sending within ${d.detectSeconds}s" >&2`,
    `sleep "\${HI_DRAIN_DETECT_SECONDS:-${d.detectSeconds}}"`,
    '[ -n "$pid" ] || exit 0',
    'kill -USR1 "$pid" 2>/dev/null || exit 0',
    "waited=0",
    `while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "\${HI_DRAIN_FINISH_SECONDS:-${d.finishSeconds}}" ]; do sleep 1; waited=$((waited + 1)); done`,
    'echo "router drain: HAProxy finished its requests in ${waited}s" >&2',
    "",
  ].join("\n");
}

function routerDrainDropIn(d: RouterCloudInit["drain"]): string {
  return ["[Service]", `ExecStop=${ROUTER_DRAIN_PATH}`, `TimeoutStopSec=${d.detectSeconds + d.finishSeconds + 30}`, ""].join("\n");
}

export function renderRouterCloudInit(i: RouterCloudInit): string {
  const files = [
    { path: ROUTER_PATHS.config, content: i.haproxyConfig, permissions: "0644", owner: "root:root" },
    { path: ROUTER_PATHS.burstCa, content: i.burstCaPem, permissions: "0644", owner: "root:root" },
    // HAProxy reads pattern files while it parses its config, as root, before it drops to the haproxy user.
    ...(i.apiKey ? [{ path: ROUTER_PATHS.apiKeys, content: i.apiKey.split("\n").map((k) => `Bearer ${k}\n`).join(""), permissions: "0600", owner: "root:root" }] : []),
    { path: METADATA_GUARD_PATH, content: METADATA_GUARD_SCRIPT, permissions: "0755", owner: "root:root" },
    ...(i.publisher ? publisherFiles(i.routerId, i.publisher) : []),
    { path: "/etc/systemd/system/hybrid-inference-metadata-guard.service", content: METADATA_GUARD_UNIT, permissions: "0644", owner: "root:root" },
    { path: ROUTER_DRAIN_PATH, content: renderRouterDrain(i.drain), permissions: "0755", owner: "root:root" },
    { path: "/etc/systemd/system/haproxy.service.d/hybrid-inference-drain.conf", content: routerDrainDropIn(i.drain), permissions: "0644", owner: "root:root" },
  ];
  const doc = {
    package_update: true,
    packages: i.publisher ? ["haproxy", "iptables", "socat", "jq", "curl", "openssl"] : ["haproxy", "iptables", "socat"],
    write_files: files,
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "hybrid-inference-metadata-guard.service"],
      // cloud-init runs runcmd's lines one after another whatever each returns: one line, so HAProxy starts only if it
      // is the HAProxy the tests run (2.6 with the Prometheus exporter, docs/testing.md) and the config checks.
      ["sh", "-ec", `${HAPROXY_CHECK}\nhaproxy -c -f ${ROUTER_PATHS.config}\nsystemctl enable haproxy\nsystemctl restart haproxy`],
      ...(i.publisher ? [["systemctl", "enable", "--now", "hybrid-inference-demand.timer"]] : []),
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

let publisherScript: string | undefined;

function publisherFiles(routerId: string, s: PublisherSettings) {
  publisherScript ??= readFileSync(PUBLISHER_SCRIPT_PATH, "utf8");
  return [
    { path: PUBLISHER_PATHS.script, content: publisherScript, permissions: "0755", owner: "root:root" },
    { path: PUBLISHER_PATHS.settings, content: renderPublisherEnv(routerId, s), permissions: "0600", owner: "root:root" },
    ...(s.aws ? [{ path: PUBLISHER_PATHS.awsCredentials, content: `AWS_ACCESS_KEY_ID=${s.aws.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${s.aws.secretAccessKey}\n`, permissions: "0400", owner: "root:root" }] : []),
    ...(s.gcp ? [{ path: PUBLISHER_PATHS.gcpKey, content: s.gcp.keyJson, permissions: "0400", owner: "root:root" }] : []),
    { path: "/etc/systemd/system/hybrid-inference-demand.service", content: PUBLISHER_SERVICE, permissions: "0644", owner: "root:root" },
    { path: "/etc/systemd/system/hybrid-inference-demand.timer", content: PUBLISHER_TIMER, permissions: "0644", owner: "root:root" },
  ];
}
