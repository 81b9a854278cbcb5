/** Pulumi's wire form of a secret value ({ <sig>: <secret sig>, value }), as the mock monitor hands inputs over. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Unwraps secret markers at any depth; returns the value and whether any secret was seen. */
export function unwrapSecrets(v: unknown): [unknown, boolean] {
  if (isSecret(v)) return [unwrapSecrets(v.value)[0], true];
  if (Array.isArray(v)) {
    let any = false;
    const out = v.map((e) => {
      const [u, s] = unwrapSecrets(e);
      any ||= s;
      return u;
    });
    return [out, any];
  }
  if (typeof v === "object" && v !== null && !(SIG_KEY in v)) {
    let any = false;
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) {
      const [u, s] = unwrapSecrets(e);
      any ||= s;
      out[k] = u;
    }
    return [out, any];
  }
  return [v, false];
}

