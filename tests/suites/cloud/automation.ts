/**
 * The real SmokeDeps: Pulumi's Automation API with an inline program in an ephemeral stack. The program is
 * the fleet itself (createFleet) cut to one node, plus the generated test model uploaded to the stack's bucket,
 * and `pulumi up` runs the same policy pack as every other stack.
 */
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import type { StackConfig } from "../../../infra/config";
import { createFleet } from "../../../infra/fleet";
import { modelKey } from "../../../infra/storage/layout";
import type { TestModel } from "../../../local/toolchain/test-model";
import type { SmokeStack } from "./orchestrate";
import type { SmokeCloud } from "./smoke-config";

export const PROJECT = "hybrid-inference";

/**
 * The inline program: one node of the chosen cloud, the test model in its bucket, the endpoint exported with what a
 * client must trust to verify it (the pools' private CA, or the Hetzner smoke's own certificate for its router).
 */
export function smokeProgram(cfg: StackConfig, cloud: SmokeCloud, model: TestModel, apiKey: string) {
  return async () => {
    const routerTls = cloud === "hetzner" && cfg.router ? selfSignedFor(cfg.router.domain) : undefined;
    const fleet = createFleet(cfg, { project: PROJECT, stack: pulumi.getStack() }, {
      apiKey: pulumi.secret(apiKey),
      ...(routerTls ? { routerTlsCertificate: routerTls.certPem, routerTlsPrivateKey: routerTls.privateKeyPem } : {}),
    });
    if (fleet.s3) {
      const provider = new aws.Provider("smoke-model-upload", { region: cfg.aws.region as aws.Region });
      new aws.s3.BucketObjectv2("test-model", { bucket: fleet.s3.bucketName, key: modelKey(model.file), source: new pulumi.asset.FileAsset(model.path) }, { provider });
    }
    if (fleet.gcs) {
      const provider = new gcp.Provider("smoke-model-upload", { project: cfg.gcp.project, region: cfg.gcp.region });
      new gcp.storage.BucketObject("test-model", { bucket: fleet.gcs.bucketName, name: modelKey(model.file), source: new pulumi.asset.FileAsset(model.path) }, { provider });
    }
    if (cloud === "hetzner") {
      return { endpoint: pulumi.interpolate`https://${fleet.router?.loadBalancer.ipv4}`, tlsCa: routerTls?.certPem, tlsServername: cfg.router?.domain };
    }
    return { endpoint: cloud === "aws" ? fleet.aws?.endpoint : fleet.gcp?.endpoint, tlsCa: fleet.burstCa?.certPem };
  };
}

/** A self-signed certificate for the smoke router's domain (the router's load balancer serves it). */
function selfSignedFor(domain: string): { certPem: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> } {
  const key = new tls.PrivateKey("smoke-router-tls", { algorithm: "ECDSA", ecdsaCurve: "P256" });
  const cert = new tls.SelfSignedCert("smoke-router-tls", {
    privateKeyPem: key.privateKeyPem,
    subject: { commonName: domain },
    dnsNames: [domain],
    validityPeriodHours: 24,
    allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
  });
  return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}

export async function createSmokeStack(root: string, name: string, cfg: StackConfig, cloud: SmokeCloud, model: TestModel, apiKey: string): Promise<SmokeStack> {
  const stack = await LocalWorkspace.createStack(
    { stackName: name, projectName: PROJECT, program: smokeProgram(cfg, cloud, model, apiKey) },
    { projectSettings: { name: PROJECT, runtime: "nodejs", ...(process.env.PULUMI_BACKEND_URL ? { backend: { url: process.env.PULUMI_BACKEND_URL } } : {}) } },
  );
  const policies = path.join(root, "policies");
  return {
    name,
    async up({ onOutput }) {
      const r = await stack.up({ onOutput, policyPacks: [policies], policyPackConfigs: [path.join(policies, "config/staging.json")] });
      const endpoint = r.outputs.endpoint?.value;
      if (typeof endpoint !== "string") throw new Error("the stack exported no endpoint");
      const ca = r.outputs.tlsCa?.value;
      const servername = r.outputs.tlsServername?.value;
      return { endpoint, ...(typeof ca === "string" ? { tls: { ca, ...(typeof servername === "string" ? { servername } : {}) } } : {}) };
    },
    async destroy({ onOutput }) {
      await stack.destroy({ onOutput });
    },
    remove: () => stack.workspace.removeStack(name),
    cancel: () => stack.cancel(),
  };
}
