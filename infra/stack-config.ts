/** Reads the stack's config from the Pulumi runtime (the only place that does) and hands back the typed object. */
import * as pulumi from "@pulumi/pulumi";
import { API_KEY_SHAPE, CONFIG_KEYS, CONFIG_NAMESPACE, ConfigError, parseStackConfig, SECRET_KEYS, type StackConfig } from "./config";
import type { FleetSecrets } from "./fleet";
import { plainTextSecrets } from "./secret-config";

/**
 * Which config keys the stack file holds encrypted. The SDK keeps this list (PULUMI_CONFIG_SECRET_KEYS, set by the
 * language host) behind runtime.isConfigSecret, which its typings mark internal.
 */
function configIsSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (!runtime.isConfigSecret) throw new Error("@pulumi/pulumi no longer exposes runtime.isConfigSecret; plain-text secrets cannot be told apart");
  return runtime.isConfigSecret(key);
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Every key under our namespace, decoded. Unknown keys are errors: a typo must not silently fall back to a default. */
export function rawConfig(all: Record<string, string>): Record<string, unknown> {
  const known = new Set<string>([...CONFIG_KEYS, ...SECRET_KEYS]);
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, key] = fullKey.split(":");
    if (ns !== CONFIG_NAMESPACE || key === undefined) continue;
    if (!known.has(key)) unknown.push(`${fullKey} is not a known key; allowed: ${[...known].join(", ")}`);
    else if (!(SECRET_KEYS as readonly string[]).includes(key)) raw[key] = decode(value);
  }
  if (unknown.length > 0) throw new ConfigError(unknown);
  return raw;
}

/**
 * Physical names are <project>-<stack>-<component>-<7 hex>. The tightest limits they meet (an IAM user's 64
 * characters, GCP's 63 and its lowercase RFC 1035 rule) leave 12 lowercase characters for the stack name; the
 * offline plan proves it with a stack of exactly this length (tests/plan/plan.test.ts).
 */
export const MAX_STACK_NAME_LENGTH = 12;

export function checkStackName(stack: string): void {
  if (!new RegExp(`^[a-z]([a-z0-9-]{0,${MAX_STACK_NAME_LENGTH - 2}}[a-z0-9])?$`).test(stack)) {
    throw new ConfigError([
      `stack name "${stack}" is not usable: physical names are <project>-<stack>-<component>-<7 hex>, and GCP (63, lowercase) and IAM (64) limits leave room for a stack name of 1-${MAX_STACK_NAME_LENGTH} lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    ]);
  }
}

/** The API keys as the engine hands them (plain strings here): their shape, and a previous key only beside a new one. */
export function checkApiKeys(current: string | undefined, previous: string | undefined): void {
  const problems: string[] = [];
  // Values are never echoed: they are secrets.
  if (current !== undefined && !API_KEY_SHAPE.test(current)) problems.push(`${CONFIG_NAMESPACE}:apiKey must be 16-512 printable characters without spaces or line breaks (for example openssl rand -hex 32)`);
  if (previous !== undefined) {
    if (current === undefined) problems.push(`${CONFIG_NAMESPACE}:apiKeyPrevious is set without ${CONFIG_NAMESPACE}:apiKey: it is the key being retired, beside the new apiKey (docs/runbook.md, "Rotating the API key")`);
    else if (previous === current) problems.push(`${CONFIG_NAMESPACE}:apiKeyPrevious equals ${CONFIG_NAMESPACE}:apiKey: set apiKey to the new key and keep the old one in apiKeyPrevious`);
    if (!API_KEY_SHAPE.test(previous)) problems.push(`${CONFIG_NAMESPACE}:apiKeyPrevious must be 16-512 printable characters without spaces or line breaks`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

export function readStackConfig(): { config: StackConfig; secrets: FleetSecrets } {
  checkStackName(pulumi.getStack());
  const all = pulumi.runtime.allConfig();
  const plain = plainTextSecrets(all, configIsSecret);
  if (plain.length > 0) throw new ConfigError(plain);
  const config = parseStackConfig(rawConfig(all));
  const c = new pulumi.Config(CONFIG_NAMESPACE);
  const apiKey = c.getSecret("apiKey");
  const apiKeyPrevious = c.getSecret("apiKeyPrevious");
  checkApiKeys(all[`${CONFIG_NAMESPACE}:apiKey`], all[`${CONFIG_NAMESPACE}:apiKeyPrevious`]);
  const dedicatedSshPrivateKey = c.getSecret("dedicatedSshPrivateKey");
  const routerTlsCertificate = c.getSecret("routerTlsCertificate");
  const routerTlsPrivateKey = c.getSecret("routerTlsPrivateKey");
  if (config.router?.certificate === "uploaded" && (!routerTlsCertificate || !routerTlsPrivateKey)) {
    throw new ConfigError([
      `${CONFIG_NAMESPACE}:routerTlsCertificate and ${CONFIG_NAMESPACE}:routerTlsPrivateKey are required (as secrets) when router.certificate is uploaded; set them with: pulumi config set --secret ${CONFIG_NAMESPACE}:routerTlsCertificate < cert.pem`,
    ]);
  }
  if (config.inference.requireApiKey && !apiKey) {
    throw new ConfigError([
      `${CONFIG_NAMESPACE}:apiKey is required (inference.requireApiKey is true); set it with: pulumi config set --secret ${CONFIG_NAMESPACE}:apiKey <key>`,
    ]);
  }
  if (config.hetzner.enabled && config.hetzner.dedicatedHosts.length > 0 && !dedicatedSshPrivateKey) {
    throw new ConfigError([`${CONFIG_NAMESPACE}:dedicatedSshPrivateKey is required (as a secret) when hetzner.dedicatedHosts is not empty`]);
  }
  return {
    config,
    secrets: {
      ...(apiKey ? { apiKey } : {}),
      ...(apiKeyPrevious ? { apiKeyPrevious } : {}),
      ...(dedicatedSshPrivateKey ? { dedicatedSshPrivateKey } : {}),
      ...(routerTlsCertificate ? { routerTlsCertificate } : {}),
      ...(routerTlsPrivateKey ? { routerTlsPrivateKey } : {}),
    },
  };
}
