/**
 * The GCP pool's endpoint: a global external HTTPS load balancer whose backend service admits only the routers
 * (Cloud Armor), with a certificate from the stack's private CA naming the pool, created under the pool.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpName } from "../naming";
import { RESPONSE_SECONDS } from "../timeouts";
import type { PrivateCa } from "../tls/private-ca";

/** Cloud Armor takes at most 10 source ranges per rule (cloud.google.com/armor/docs/security-policy-overview). */
export const ARMOR_RANGES_PER_RULE = 10;
/** The default rule's priority: the lowest, matched when nothing else is. */
export const ARMOR_DEFAULT_PRIORITY = 2147483647;

/** Cloud Armor rules: allow the clients (in chunks of 10 ranges), deny everything else with 403. */
export function armorRules(clients: string[]): gcp.types.input.compute.SecurityPolicyRule[] {
  const ranges = clients.map((c) => (c.includes("/") ? c : `${c}/32`));
  const allow = Array.from({ length: Math.ceil(ranges.length / ARMOR_RANGES_PER_RULE) }, (_, i) => ({
    action: "allow",
    priority: 1000 + i,
    description: "the routers",
    match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ranges.slice(i * ARMOR_RANGES_PER_RULE, (i + 1) * ARMOR_RANGES_PER_RULE) } },
  }));
  return [
    ...allow,
    { action: "deny(403)", priority: ARMOR_DEFAULT_PRIORITY, description: "everyone else", match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } },
  ];
}

export interface HttpsEndpointArgs {
  project: string;
  clients: pulumi.Input<string>[];
  ca: PrivateCa;
  tlsName: string;
  healthCheckId: pulumi.Input<string>;
  instanceGroup: pulumi.Input<string>;
  labels: Record<string, string>;
}

export function addHttpsEndpoint(name: string, o: HttpsEndpointArgs, parent: pulumi.Resource): { securityPolicy: gcp.compute.SecurityPolicy; certificate: gcp.compute.SSLCertificate; sslPolicy: gcp.compute.SSLPolicy; address: gcp.compute.GlobalAddress } {
  const child = { parent };
  // Cloud Armor on the backend service: only the routers get through, everyone else gets 403.
  const securityPolicy = new gcp.compute.SecurityPolicy(`${name}-armor`, {
    project: o.project,
    description: "hybrid-inference burst pool: the routers only",
    type: "CLOUD_ARMOR",
    labels: o.labels,
    rules: pulumi.all(o.clients).apply((clients) => armorRules(clients)),
  }, child);
  const backend = new gcp.compute.BackendService(`${name}-backend`, {
    project: o.project,
    protocol: "HTTP",
    portName: "http",
    loadBalancingScheme: "EXTERNAL_MANAGED",
    // A whole-response limit on this load balancer: the longest a completion may stream (infra/timeouts.ts).
    timeoutSec: RESPONSE_SECONDS,
    healthChecks: o.healthCheckId,
    connectionDrainingTimeoutSec: 30,
    securityPolicy: securityPolicy.selfLink,
    backends: [{ group: o.instanceGroup, balancingMode: "UTILIZATION", maxUtilization: 0.8, capacityScaler: 1 }],
    logConfig: { enable: true, sampleRate: 0.1 },
  }, child);
  const urlMap = new gcp.compute.URLMap(`${name}-urlmap`, { project: o.project, defaultService: backend.id }, child);
  const address = new gcp.compute.GlobalAddress(`${name}-ip`, { project: o.project, labels: o.labels }, child);
  // The certificate names the pool (a DNS name: HAProxy's verifyhost never reads IP addresses), signed by the stack's
  // private CA; the routers connect to the address and verify both. Only HTTPS is served (TLS 1.2 or later).
  const issued = o.ca.issue(`${name}-tls`, { dnsNames: [o.tlsName] });
  const certificate = new gcp.compute.SSLCertificate(`${name}-tls`, {
    project: o.project,
    namePrefix: gcpName(`${name}-tls-`, 37),
    certificate: pulumi.interpolate`${issued.certPem}${issued.caPem}`,
    privateKey: issued.privateKeyPem,
  }, child);
  const sslPolicy = new gcp.compute.SSLPolicy(`${name}-tls`, { project: o.project, profile: "MODERN", minTlsVersion: "TLS_1_2" }, child);
  const proxy = new gcp.compute.TargetHttpsProxy(`${name}-proxy`, {
    project: o.project,
    urlMap: urlMap.id,
    sslCertificates: [certificate.id],
    sslPolicy: sslPolicy.id,
  }, child);
  new gcp.compute.GlobalForwardingRule(`${name}-https`, {
    project: o.project,
    target: proxy.id,
    portRange: "443",
    ipAddress: address.address,
    loadBalancingScheme: "EXTERNAL_MANAGED",
    labels: o.labels,
  }, child);
  return { securityPolicy, certificate, sslPolicy, address };
}
