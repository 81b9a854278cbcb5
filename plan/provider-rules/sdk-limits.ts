/**
 * Length and character rules for names and ids, read from the doc comments of the installed provider SDKs.
 * The SDKs carry the providers' own field docs ("can have a maximum of 32 characters", "must be 1-63 characters
 * long, and comply with RFC1035", "a valid hostname as per RFC 1123"); this turns those sentences into checks.
 * The result is committed as plan/generated/sdk-limits.json; a test regenerates it and fails when it is stale.
 */
import { argsBody, argsFields, SDK_PROVIDERS, sdkResources, sdkVersion } from "../sdk";

export interface FieldLimit {
  minLength?: number;
  maxLength?: number;
  /** Anchored regular expression the whole value must match. */
  pattern?: string;
  /** What the pattern means, in words. */
  patternName?: string;
  /** The sentences of the doc comment the limit was read from. */
  doc: string;
}

export interface SdkLimits {
  providers: Record<string, string>;
  /**
   * Types whose Args have a top-level `name` input. The bridged providers autoname exactly these when no name
   * is given (pulumi-aws provider/autonaming.go, pulumi-gcp and pulumi-hcloud provider/resources.go).
   */
  withNameInput: string[];
  /** Type token to input name to its limit. */
  types: Record<string, Record<string, FieldLimit>>;
}

/** RFC 1035 label as the GCP docs state it: `[a-z]([-a-z0-9]*[a-z0-9])?`. */
export const RFC1035 = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
/** RFC 1123 host name: dot-separated labels of letters, digits and hyphens, no hyphen at either end. */
export const RFC1123_HOSTNAME = "^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";
/** AWS ELB names: "only alphanumeric characters or hyphens, and must not begin or end with a hyphen". */
export const ALNUM_HYPHEN_INNER = "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$";

/** Subjects whose limits are not the field's own (a sub-part, a total of several things). */
const OTHER_SUBJECT = /\b(each|every) (label|key|value|tag|item|element|entry|component|segment|part|dot)|\b(label|tag) (keys?|values?)\b|\btotal\b|\bentire\b|\bprefixes with\b|\bcombined\b|\bhostname\b(?! as per RFC)/i;

const RANGE = [
  /\b(\d+)\s*-\s*(\d+)\s+characters\b/i,
  /\bbetween\s+(\d+)\s+and\s+(\d+)\s+characters\b/i,
  /\bbetween\s+(\d+)\s*-\s*(\d+)\s+characters\b/i,
];
const MAX = [
  /\bmaximum of\s+(\d+)\s+characters\b/i,
  /\bmaximum length (?:of|is)\s+(\d+)\s+characters\b/i,
  /\bmax(?:imum)? length is\s+(\d+)\s+characters\b/i,
  /\bcannot be longer than\s+(\d+)\s+characters\b/i,
  /\b(?:cannot|must not|can ?not) exceed\s+(\d+)\s+characters\b/i,
  /\bmust not be more than\s+(\d+)\s+characters\b/i,
  /\bless than or equal to\s+(\d+)\s+characters\b/i,
  /\bno more than\s+(\d+)\s+characters\b/i,
  /\bat most\s+(\d+)\s+characters\b/i,
];

function sentences(doc: string): string[] {
  return doc.split(/(?<=[.!?])\s+(?=[A-Z*`])/).map((s) => s.trim()).filter(Boolean);
}

/** The limit stated by one field's doc comment, or undefined when it states none this reader understands. */
export function extractLimit(doc: string): FieldLimit | undefined {
  const used: string[] = [];
  const limit: Omit<FieldLimit, "doc"> = {};
  for (const s of sentences(doc)) {
    if (OTHER_SUBJECT.test(s.replace(/\b\d+\s*-\s*\d+\s+characters long\b/i, ""))) continue;
    let hit = false;
    for (const re of RANGE) {
      const m = re.exec(s);
      if (m && limit.maxLength === undefined) {
        limit.minLength = Number(m[1]);
        limit.maxLength = Number(m[2]);
        hit = true;
      }
    }
    for (const re of MAX) {
      const m = re.exec(s);
      if (m && limit.maxLength === undefined) {
        limit.maxLength = Number(m[1]);
        hit = true;
      }
    }
    if (/\bRFC\s?1035\b/i.test(s) && limit.pattern === undefined) {
      limit.pattern = RFC1035;
      limit.patternName = "an RFC 1035 label: a lowercase letter first, then lowercase letters, digits or hyphens, not ending with a hyphen";
      hit = true;
    } else if (/valid hostname as per RFC\s?1123/i.test(s) && limit.pattern === undefined) {
      limit.pattern = RFC1123_HOSTNAME;
      limit.patternName = "a valid RFC 1123 host name";
      hit = true;
    } else if (/only alphanumeric characters or hyphens, and must not begin or end with a hyphen/i.test(s) && limit.pattern === undefined) {
      limit.pattern = ALNUM_HYPHEN_INNER;
      limit.patternName = "letters, digits and hyphens, not beginning or ending with a hyphen";
      hit = true;
    }
    if (/\bmust be (in )?lowercase\b/i.test(s) && limit.pattern === undefined) {
      limit.pattern = "^[^A-Z]*$";
      limit.patternName = "lowercase";
      hit = true;
    }
    if (hit) used.push(s);
  }
  if (used.length === 0) return undefined;
  if (limit.minLength === 0) delete limit.minLength;
  return { ...limit, doc: used.join(" ") };
}

/** Inputs that name or identify the resource: the only ones whose doc limits are read. */
export function isNameField(field: string): boolean {
  return /^(name|namePrefix|bucket|bucketPrefix|accountId|secretId|baseInstanceName|alarmName|roleName|policyName|userName|groupName|topicName|queueName|functionName|clusterIdentifier|identifier|domainName|keyName|tableName|repositoryName)$/.test(field);
}

export function readSdkLimits(nodeModules: string): SdkLimits {
  const out: SdkLimits = { providers: {}, withNameInput: [], types: {} };
  for (const provider of SDK_PROVIDERS) {
    out.providers[provider] = sdkVersion(nodeModules, provider);
    for (const r of sdkResources(nodeModules, provider)) {
      const body = argsBody(r.dts, r.className);
      if (body === undefined) continue;
      if (/^ {4}name\?: /m.test(body)) out.withNameInput.push(r.token);
      for (const f of argsFields(body)) {
        if (!isNameField(f.name)) continue;
        const limit = extractLimit(f.doc);
        if (!limit) continue;
        (out.types[r.token] ??= {})[f.name] = limit;
      }
    }
  }
  out.types = Object.fromEntries(Object.entries(out.types).sort(([a], [b]) => a.localeCompare(b)));
  out.withNameInput.sort();
  return out;
}
