/**
 * What a cloud smoke needs before it may spend money: the Pulumi CLI (the Automation API drives it), a state
 * backend, and credentials for the chosen cloud. Every missing piece is named, with how to provide it.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { SmokeCloud } from "./smoke-config";

export function onPath(bin: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && existsSync(path.join(dir, bin)));
}

const has = (env: NodeJS.ProcessEnv, ...keys: string[]) => keys.some((k) => (env[k] ?? "") !== "");

export function missingPrerequisites(cloud: SmokeCloud, env: NodeJS.ProcessEnv, home = env.HOME ?? ""): string[] {
  const missing: string[] = [];
  if (!onPath("pulumi", env)) missing.push("the Pulumi CLI: `pulumi` is not on PATH (install it from https://www.pulumi.com/docs/install/; the pulumi/actions step does this in CI)");
  if (!has(env, "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL")) missing.push("a state backend: PULUMI_ACCESS_TOKEN for Pulumi Cloud, or PULUMI_BACKEND_URL=s3://<bucket> | gs://<bucket> with PULUMI_CONFIG_PASSPHRASE");
  else if (has(env, "PULUMI_BACKEND_URL") && !has(env, "PULUMI_ACCESS_TOKEN") && !has(env, "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")) missing.push("PULUMI_CONFIG_PASSPHRASE (or _FILE): a self-managed backend encrypts secrets with a passphrase");
  const awsCreds = has(env, "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI") || existsSync(path.join(home, ".aws/credentials"));
  if ((cloud === "aws" || cloud === "hetzner") && !awsCreds) missing.push(`AWS credentials${cloud === "hetzner" ? " (the Hetzner smoke keeps its model in S3)" : ""}: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or OIDC (AWS_WEB_IDENTITY_TOKEN_FILE)`);
  const gcpCreds = has(env, "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CREDENTIALS", "CLOUDSDK_AUTH_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN") || existsSync(path.join(home, ".config/gcloud/application_default_credentials.json"));
  if (cloud === "gcp" && !gcpCreds) missing.push("GCP credentials: GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CREDENTIALS, or `gcloud auth application-default login`");
  if (cloud === "hetzner" && !has(env, "HCLOUD_TOKEN")) missing.push("HCLOUD_TOKEN: a Hetzner Cloud API token");
  return missing;
}
