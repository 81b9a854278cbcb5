/**
 * Refuses secrets written in plain text in a stack file. A secret belongs in `pulumi config set --secret`, which
 * stores it encrypted (`secure:`) and hands it to the program marked secret. Checked for every key of every
 * namespace (hcloud:token as much as hybrid-inference:apiKey), by name and by value.
 */

/** Keys that always hold secrets, fully qualified. */
export const KNOWN_SECRET_KEYS = [
  "hybrid-inference:apiKey", "hybrid-inference:apiKeyPrevious", "hybrid-inference:dedicatedSshPrivateKey",
  "hcloud:token", "aws:secretKey", "aws:accessKey", "aws:token", "gcp:credentials", "gcp:accessToken", "pulumi:accessToken",
] as const;

/** A key whose last word says it holds a secret: token, secret, password, passphrase, privateKey, apiKey, accessKey, secretKey, credentials. */
const SECRET_NAME = /(token|secret|password|passwd|passphrase|private[-_]?key|api[-_]?key|access[-_]?key|secret[-_]?key|credentials?)$/i;

/**
 * Values that are secrets wherever they appear, after gitleaks' default rules (github.com/gitleaks/gitleaks,
 * config/gitleaks.toml: aws-access-token, private-key, github-pat/-oauth/-app-token, gcp-api-key, slack tokens,
 * pulumi-api-token) and the shape of a GCP service-account key file.
 */
const SECRET_VALUES: { what: string; re: RegExp }[] = [
  { what: "an AWS access key id", re: /\b(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/ },
  { what: "a private key", re: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----/ },
  { what: "a GitHub token", re: /\b(gh[pousr]_[0-9a-zA-Z]{36}|github_pat_[0-9a-zA-Z_]{82})\b/ },
  { what: "a Google API key", re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { what: "a Slack token", re: /\bxox[baprs]-[0-9A-Za-z-]{10,}/ },
  { what: "a Pulumi access token", re: /\bpul-[a-f0-9]{40}\b/ },
  { what: "a GCP service-account key", re: /"private_key"\s*:\s*"-----BEGIN|"type"\s*:\s*"service_account"/ },
];

/** What secret-shaped values a text holds (an AWS key id, a private key, a token), by gitleaks' rules above. */
export function secretValuesIn(text: string): string[] {
  return SECRET_VALUES.filter((s) => s.re.test(text)).map((s) => s.what);
}

const lastWord = (key: string) => key.split(/[:.]/).pop() ?? key;

function strings(v: unknown, path: string, out: { path: string; value: string }[]): void {
  if (typeof v === "string") out.push({ path, value: v });
  else if (Array.isArray(v)) v.forEach((e, i) => strings(e, `${path}[${i}]`, out));
  else if (v !== null && typeof v === "object") for (const [k, e] of Object.entries(v)) strings(e, `${path}.${k}`, out);
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Problems for every plain-text secret in the config: `all` is what the engine hands the program (fully qualified
 * keys, string values; objects as JSON), `isSecret` tells which keys the stack file held encrypted.
 */
export function plainTextSecrets(all: Record<string, string>, isSecret: (key: string) => boolean): string[] {
  const problems: string[] = [];
  const hint = (key: string) => `set it with: pulumi config set --secret ${key} <value> (and remove the plain value from Pulumi.<stack>.yaml)`;
  for (const [key, raw] of Object.entries(all)) {
    if (isSecret(key)) continue;
    if ((KNOWN_SECRET_KEYS as readonly string[]).includes(key) || SECRET_NAME.test(lastWord(key))) {
      problems.push(`${key} holds a secret in plain text; ${hint(key)}`);
      continue;
    }
    const found: { path: string; value: string }[] = [];
    strings(decode(raw), key, found);
    for (const { path, value } of found) {
      const sub = path.slice(key.length).replace(/^\./, "");
      if (sub && SECRET_NAME.test(lastWord(sub.replace(/\[\d+\]/g, "")))) {
        problems.push(`${path} holds a secret in plain text; secrets cannot sit inside a plain config object: move it to its own key and ${hint(`${key}`)}`);
        continue;
      }
      const match = SECRET_VALUES.find((s) => s.re.test(value));
      if (match) problems.push(`${path} contains ${match.what} in plain text; ${hint(key)}`);
    }
  }
  return problems;
}
