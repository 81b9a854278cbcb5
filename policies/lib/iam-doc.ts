/**
 * AWS policy documents (identity, trust and resource policies) read into statements, and the ways a statement can
 * grant more than it names. Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { readSource } from "../../infra/cidr";
import { asArray } from "./values";

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a document given as JSON text or an object; undefined when it cannot be read. */
export function statementsOf(raw: unknown): Statement[] | undefined {
  if (raw === undefined || raw === null || raw === "") return [];
  let doc: unknown = raw;
  if (typeof raw === "string") {
    try {
      doc = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  return asArray<Statement>((doc as { Statement?: unknown }).Statement);
}

/** IAM matches `*` and `?` anywhere in an action or resource (multi-character and single-character wildcards). */
export const hasWildcard = (s: string) => /[*?]/.test(s);

/**
 * A resource that reaches beyond named resources: `*`, anything that is not an ARN, a wildcard partition, service or
 * account, an S3 bucket name with a wildcard, or a resource whose every segment after its type is a wildcard
 * (`role/*`, `key/*`, `parameter/*`). A wildcard under a named prefix (`bucket/models/*`, `parameter/app/*`) is narrow.
 */
export function broadResource(r: string): boolean {
  if (hasWildcard(r) && r.replace(/[*?]/g, "") === "") return true;
  const parts = r.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return true;
  const [, partition = "", service = "", , account = ""] = parts;
  const resource = parts.slice(5).join(":");
  if ([partition, service, account].some(hasWildcard)) return true;
  if (resource === "") return true;
  if (service === "s3") return hasWildcard(resource.split("/")[0] ?? "");
  const segments = resource.split(/[/:]/);
  const rest = segments.slice(1);
  return (segments[0] ?? "").replace(/[*?]/g, "") === "" || (rest.length > 0 && rest.every((s) => s.replace(/[*?]/g, "") === ""));
}

/** Every principal a Principal element names, as "*" or "<kind>:<value>". */
export function principals(p: unknown): string[] {
  if (p === "*") return ["*"];
  if (typeof p !== "object" || p === null) return [];
  return Object.entries(p as Record<string, unknown>).flatMap(([kind, v]) => asArray<string>(v).map((x) => (x === "*" ? "*" : `${kind}:${x}`)));
}

/**
 * Condition keys that pin an Allow for "*" to named callers, as S3 and IAM Access Analyzer count a policy non-public:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 * ("The meaning of 'public'"). Only exact-match operators count; a *Like with a wildcard does not pin anything.
 */
const PINNING_KEYS = new Set([
  "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:principalaccount",
  "aws:principalarn", "aws:principalorgid", "aws:userid", "aws:sourceorgid", "aws:sourceorgpaths", "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "kms:calleraccount",
]);
const EXACT_OPERATORS = /^(StringEquals|StringEqualsIgnoreCase|ArnEquals|ArnLike|StringLike|ForAnyValue:StringEquals|ForAllValues:StringEquals)$/;

/** True when the statement's conditions pin it to named callers or to a narrow set of source addresses. */
export function pinnedByCondition(s: Statement, maxIpv4Prefix = 8, maxIpv6Prefix = 16): boolean {
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys ?? {})) {
      const k = key.toLowerCase();
      const values = asArray<string>(value).map(String);
      if (PINNING_KEYS.has(k) && EXACT_OPERATORS.test(op) && values.length > 0 && values.every((v) => !hasWildcard(v))) return true;
      if (k === "aws:sourceip" && op === "IpAddress" && values.length > 0) {
        const narrow = values.every((v) => {
          const src = readSource(v);
          return src !== undefined && src.ranges.every((r) => (r.family === 4 ? r.end - r.start < 1n << BigInt(32 - maxIpv4Prefix) : r.end - r.start < 1n << BigInt(128 - maxIpv6Prefix)));
        });
        if (narrow) return true;
      }
    }
  }
  return false;
}

/** An Allow statement open to anyone: Principal "*" (or AWS "*"), or NotPrincipal, without a pinning condition. */
export function publicAllow(s: Statement): boolean {
  if (s.Effect !== "Allow") return false;
  if (s.NotPrincipal !== undefined) return true;
  return principals(s.Principal).includes("*") && !pinnedByCondition(s);
}
