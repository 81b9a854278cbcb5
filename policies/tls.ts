/** Public endpoints: TLS on every public listener, and burst endpoints that admit only their clients. */
import { isWorldOpen } from "../infra/cidr";
import { dependenciesOf, type PolicyResource, type StackPolicy } from "./lib/policy";
import { asArray, num, type Props, str } from "./lib/values";

const AWS_LISTENERS = new Set(["aws:lb/listener:Listener", "aws:alb/listener:Listener", "aws:applicationloadbalancing/listener:Listener"]);
const AWS_LBS = new Set(["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:applicationloadbalancing/loadBalancer:LoadBalancer"]);
const GCP_RULES = new Set(["gcp:compute/globalForwardingRule:GlobalForwardingRule", "gcp:compute/forwardingRule:ForwardingRule"]);
const GCP_TLS_PROXIES = new Set(["gcp:compute/targetHttpsProxy:TargetHttpsProxy", "gcp:compute/targetSslProxy:TargetSslProxy", "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy"]);
const GCP_HTTP_PROXIES = new Set(["gcp:compute/targetHttpProxy:TargetHttpProxy", "gcp:compute/regionTargetHttpProxy:RegionTargetHttpProxy"]);

/** A listener whose only action redirects to HTTPS serves nothing in clear text. */
function redirectsToHttps(listener: Props): boolean {
  const actions = asArray<Props>(listener.defaultActions);
  return actions.length > 0 && actions.every((a) => a.type === "redirect" && String((a.redirect as Props | undefined)?.protocol ?? "").toUpperCase() === "HTTPS");
}

/** A URL map that only redirects to HTTPS. */
function urlMapRedirectsToHttps(urlMap: PolicyResource | undefined): boolean {
  const redirect = urlMap?.props.defaultUrlRedirect as Props | undefined;
  return redirect?.httpsRedirect === true && !urlMap?.props.defaultService;
}

export const tlsOnPublicListeners: StackPolicy = {
  name: "tls-on-public-listeners",
  description: "Every public listener of every load balancer is TLS: hcloud load balancer services are https; internet-facing AWS listeners are TLS or HTTPS (or only redirect to HTTPS); external GCP forwarding rules target an HTTPS or SSL proxy (or an HTTP proxy whose URL map only redirects to HTTPS).",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_2 (ALB listener HTTPS), CKV_AWS_103 (TLS 1.2), CKV2_GCP_* (HTTPS proxies); trivy AVD-AWS-0054 (plain HTTP listener)",
  remediationSteps: "hcloud: protocol 'https' with certificates (redirectHttp: true for port 80). AWS: protocol TLS (NLB) or HTTPS (ALB) with certificateArn and an ELBSecurityPolicy-TLS13-1-2 policy, or a redirect-only HTTP listener. GCP: a TargetHttpsProxy with an SSL policy of TLS 1.2 or later.",
  validateStack: (args, report) => {
    for (const r of args.resources) {
      if (r.type === "hcloud:index/loadBalancerService:LoadBalancerService") {
        const protocol = str(r.props.protocol);
        if (protocol !== "https") report(`hcloud load balancer service ${r.name} listens with protocol ${protocol ?? "unset"} on port ${num(r.props.listenPort) ?? (protocol === "http" ? 80 : "?")}; public services must be https`, r.urn);
      }
      if (AWS_LISTENERS.has(r.type)) {
        const lb = dependenciesOf(r, "loadBalancerArn").find((d) => AWS_LBS.has(d.type));
        if (lb?.props.internal === true) continue;
        const protocol = (str(r.props.protocol) ?? (lb?.props.loadBalancerType === "network" ? "TCP" : "HTTP")).toUpperCase();
        if (protocol !== "TLS" && protocol !== "HTTPS" && !redirectsToHttps(r.props)) {
          report(`listener ${r.name} of ${lb ? `internet-facing load balancer ${lb.name}` : "a load balancer"} serves ${protocol} on port ${num(r.props.port) ?? "?"}; public listeners must be TLS or HTTPS`, r.urn);
        }
      }
      if (GCP_RULES.has(r.type)) {
        const scheme = str(r.props.loadBalancingScheme) ?? "EXTERNAL";
        if (!scheme.startsWith("EXTERNAL")) continue;
        for (const target of dependenciesOf(r, "target")) {
          if (GCP_TLS_PROXIES.has(target.type)) continue;
          if (GCP_HTTP_PROXIES.has(target.type) && urlMapRedirectsToHttps(dependenciesOf(target, "urlMap")[0])) continue;
          report(`forwarding rule ${r.name} (port ${str(r.props.portRange) ?? "?"}) sends public traffic to ${target.type.split(":")[2]} ${target.name} in clear text; target an HTTPS proxy`, r.urn);
        }
      }
    }
  },
};

interface BurstConfig {
  /** The shortest prefix a client range may have (IPv4); broader ranges count as the world. */
  minClientPrefix: number;
}

function tooBroad(cidr: string, minPrefix: number): boolean {
  if (isWorldOpen(cidr) || cidr === "*") return true;
  const m = /\/(\d+)$/.exec(cidr);
  if (!m) return false;
  const prefix = Number(m[1]);
  return cidr.includes(":") ? prefix < minPrefix + 96 : prefix < minPrefix;
}

const SG_RULE_TYPES = new Set(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"]);

export const burstEndpointsNotWorldOpen: StackPolicy = {
  name: "burst-endpoints-not-world-open",
  description: "AWS and GCP internet-facing load balancers (the burst pools' endpoints) admit only named clients: an AWS load balancer has security groups whose ingress comes from no world-wide or overly broad range; a GCP external backend service has a Cloud Armor policy whose last rule denies and whose allow rules name no broad range.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_260 / CKV_AWS_24-style world-open ingress on the LB security group; CKV_GCP_73 (Cloud Armor on backend services)",
  remediationSteps: "Give the AWS load balancer a security group whose ingress lists the routers' addresses (AwsBurstPool clients); attach a Cloud Armor policy to the GCP backend service that allows the routers and denies everything else (GcpBurstPool).",
  configSchema: { properties: { minClientPrefix: { type: "number", default: 16 } } },
  validateStack: (args, report) => {
    const { minClientPrefix } = args.getConfig<BurstConfig>();
    for (const lb of args.resources.filter((r) => AWS_LBS.has(r.type) && r.props.internal !== true)) {
      const groups = dependenciesOf(lb, "securityGroups");
      if (asArray(lb.props.securityGroups).length === 0) {
        report(`internet-facing load balancer ${lb.name} has no security group, so anyone can reach its listeners`, lb.urn);
        continue;
      }
      for (const sg of groups) {
        const inline = asArray<Props>(sg.props.ingress).flatMap((i) => [...asArray<string>(i.cidrBlocks), ...asArray<string>(i.ipv6CidrBlocks)]);
        const separate = args.resources
          .filter((x) => SG_RULE_TYPES.has(x.type) && dependenciesOf(x, "securityGroupId").some((g) => g.urn === sg.urn))
          .filter((x) => x.type !== "aws:ec2/securityGroupRule:SecurityGroupRule" || x.props.type === "ingress")
          .flatMap((x) => [str(x.props.cidrIpv4), str(x.props.cidrIpv6), ...asArray<string>(x.props.cidrBlocks), ...asArray<string>(x.props.ipv6CidrBlocks)].filter((c): c is string => !!c));
        for (const cidr of [...inline, ...separate].filter((c) => tooBroad(c, minClientPrefix))) {
          report(`load balancer ${lb.name}'s security group ${sg.name} admits ${cidr}; burst endpoints admit only their clients`, lb.urn);
        }
      }
    }
    const external = args.resources.filter((r) => GCP_RULES.has(r.type) && (str(r.props.loadBalancingScheme) ?? "EXTERNAL").startsWith("EXTERNAL"));
    const services = new Map<string, PolicyResource>();
    for (const rule of external) {
      for (const target of dependenciesOf(rule, "target")) {
        for (const urlMap of dependenciesOf(target, "urlMap")) {
          for (const s of dependenciesOf(urlMap, "defaultService")) if (s.type.endsWith("backendService:BackendService")) services.set(s.urn, s);
        }
      }
    }
    for (const s of services.values()) {
      const policy = dependenciesOf(s, "securityPolicy")[0];
      if (!policy) {
        report(`external backend service ${s.name} has no Cloud Armor policy, so anyone can reach it`, s.urn);
        continue;
      }
      const rules = asArray<Props>(policy.props.rules);
      const last = [...rules].sort((a, b) => (num(b.priority) ?? 0) - (num(a.priority) ?? 0))[0];
      if (!last || !String(last.action ?? "").startsWith("deny")) report(`Cloud Armor policy ${policy.name} of backend service ${s.name} does not end in a deny rule`, s.urn);
      for (const rule of rules.filter((x) => x.action === "allow")) {
        const ranges = asArray<string>(((rule.match as Props | undefined)?.config as Props | undefined)?.srcIpRanges);
        for (const cidr of ranges.filter((c) => tooBroad(c, minClientPrefix))) report(`Cloud Armor policy ${policy.name} allows ${cidr}; burst endpoints admit only their clients`, s.urn);
        if (!(rule.match as Props | undefined)?.config && (rule.match as Props | undefined)?.expr) report(`Cloud Armor policy ${policy.name} allows by expression; list the clients' ranges so the policy can be checked`, s.urn);
      }
    }
  },
};

export const tlsPolicies = [tlsOnPublicListeners, burstEndpointsNotWorldOpen];
