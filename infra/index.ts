import * as pulumi from "@pulumi/pulumi";
import { createFleet } from "./fleet";
import { readStackConfig } from "./stack-config";

const { config, secrets } = readStackConfig();
const fleet = createFleet(config, { project: pulumi.getProject(), stack: pulumi.getStack() }, secrets);

export const endpoints = {
  hetzner: fleet.hetzner?.endpoint,
  aws: fleet.aws?.endpoint,
  gcp: fleet.gcp?.endpoint,
};
export const buckets = {
  s3: fleet.s3?.bucketName,
  gcs: fleet.gcs?.bucketName,
};
export const model = { name: config.model.name, file: config.model.file, sha256: config.model.sha256 };
export const pools = {
  hetznerServers: fleet.hetzner?.servers.map((s) => s.name),
  awsGroup: fleet.aws?.groupName,
  gcpGroup: fleet.gcp?.groupName,
};
export const launchSpecs = fleet.launchSpecs;
