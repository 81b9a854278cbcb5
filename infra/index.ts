import * as pulumi from "@pulumi/pulumi";
import { createFleet } from "./fleet";
import { readStackConfig } from "./stack-config";

const { config, secrets } = readStackConfig();
const fleet = createFleet(config, { project: pulumi.getProject(), stack: pulumi.getStack() }, secrets);

/** The fleet's one public endpoint: HTTPS on the routers' load balancer. */
export const endpoint = fleet.router?.endpoint;
/** Point the domain's A and AAAA records here. */
export const routerLoadBalancer = fleet.router ? { ipv4: fleet.router.loadBalancer.ipv4, ipv6: fleet.router.loadBalancer.ipv6 } : undefined;
/** Secondary: the burst pools' TLS endpoints (only the routers may reach them) and the CA that signs them. */
export const endpoints = {
  router: fleet.router?.endpoint,
  aws: fleet.aws?.endpoint,
  gcp: fleet.gcp?.endpoint,
};
export const burstCaPem = fleet.burstCa?.certPem;
export const buckets = {
  s3: fleet.s3?.bucketName,
  gcs: fleet.gcs?.bucketName,
};
export const model = { name: config.model.name, file: config.model.file, sha256: config.model.sha256 };
export const pools = {
  hetznerServers: fleet.hetzner?.servers.map((s) => s.name),
  routers: fleet.router?.servers.map((s) => s.name),
  awsGroup: fleet.aws?.groupName,
  gcpGroup: fleet.gcp?.groupName,
};
export const launchSpecs = fleet.launchSpecs;
