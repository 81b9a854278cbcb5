/**
 * Local stand-ins for the two cloud APIs the routers publish burst demand to, strict where the clouds are:
 * - CloudWatch PutMetricData (the query API: a form POST signed with SigV4 for service `monitoring`). A request whose
 *   signature does not verify with the one key pair it knows gets 403 SignatureDoesNotMatch; a timestamp more than
 *   5 minutes off gets 403 RequestExpired; a value that is not a number gets 400 InvalidParameterValue.
 * - Google's OAuth token endpoint (the service-account JWT-bearer grant: RS256 signature by the account's key, its
 *   email as issuer, this endpoint as audience, at most an hour of validity) and Cloud Monitoring's
 *   projects.timeSeries.create (a bearer token it issued; custom metrics only; one point per series; a series may
 *   not be written more often than every 5 seconds, Cloud Monitoring's sampling limit for custom metrics).
 * Every accepted point is kept, with its labels, so the local autoscaler stand-in reads demand as the clouds' alarms
 * and autoscalers do. Loopback only. How they differ from the real services:
 * - They trust the one key each the stack made for the routers (its IAM access key, its service account's key file);
 *   IAM's conditions on that key (the namespace, the routers' source addresses) are not evaluated here.
 * - No metric descriptors, quotas, retention or aggregation: a point is kept as written, and read back by the
 *   autoscaler stand-in within its window.
 * - Tokens are opaque strings valid for an hour; no refresh, no scopes other than monitoring.write are checked.
 */
import { createHash, createHmac, createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the sink saw it. */
export interface Captured {
  headers: IncomingMessage["headers"];
  method: string;
  url: string;
  body: string;
}

/** One data point either cloud accepted. */
export interface MetricPoint {
  cloud: "aws" | "gcp";
  /** CloudWatch: `<namespace>/<metric name>`; Cloud Monitoring: the metric type. */
  metric: string;
  /** CloudWatch dimensions, or the metric's labels. */
  labels: Record<string, string>;
  value: number;
  receivedMs: number;
}

export interface Refusal {
  cloud: "aws" | "gcp";
  status: number;
  reason: string;
}

/** AWS Signature Version 4 over a captured request, recomputed to check the sender's. */
export function sigv4Valid(c: Captured, secret: string, region: string, service: string): boolean {
  const auth = String(c.headers.authorization ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m || m[3] !== region || m[4] !== service) return false;
  const [, , date = "", , , signed = "", signature] = m;
  const headerNames = signed.split(";");
  const canonicalHeaders = headerNames.map((h) => `${h}:${String(c.headers[h] ?? "").trim()}\n`).join("");
  const [p = "/", q = ""] = c.url.split("?");
  const canonical = [c.method, p, q, canonicalHeaders, signed, createHash("sha256").update(c.body).digest("hex")].join("\n");
  const amzDate = String(c.headers["x-amz-date"]);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  let key: Buffer = createHmac("sha256", `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(toSign).digest("hex") === signature;
}

/** The access key id of a SigV4 Authorization header. */
const sigv4KeyId = (c: Captured) => /Credential=([^/]+)\//.exec(String(c.headers.authorization ?? ""))?.[1];

/** X-Amz-Date (20261203T081500Z) as epoch ms, or NaN. */
function amzDateMs(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : Number.NaN;
}

interface Reply {
  status: number;
  body: string;
  type?: string;
}

function listen(handler: (c: Captured) => Reply): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (b: Buffer) => chunks.push(b));
    req.on("end", () => {
      let out: Reply;
      try {
        out = handler({ headers: req.headers, method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks).toString() });
      } catch (e) {
        out = { status: 500, body: JSON.stringify({ error: (e as Error).message }) };
      }
      res.writeHead(out.status, { "content-type": out.type ?? "application/json" });
      res.end(out.body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

const awsError = (status: number, code: string, message: string): Reply => ({
  status,
  type: "text/xml",
  body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
});
const googleError = (status: number, state: string, message: string): Reply => ({ status, body: JSON.stringify({ error: { code: status, message, status: state } }) });

/**
 * CloudWatch's allowed clock skew for a signed request, and Cloud Monitoring's shortest interval between two points of
 * one series (by their end times; cloud.google.com/monitoring/quotas: "Rate at which data can be written to a single
 * time series: one point each 5 seconds").
 */
export const AWS_MAX_SKEW_MS = 5 * 60_000;
export const GCP_MIN_SAMPLE_MS = 5_000;

export interface CloudSinks {
  /** PutMetricData's endpoint (HI_CW_ENDPOINT) and the one key pair it accepts, for `region`. */
  cloudwatch: { url: string; region: string; accessKeyId: string; secretAccessKey: string };
  /** The token endpoint (HI_GCP_TOKEN_URL), Monitoring's base URL (HI_GCP_MONITORING_URL), the project and the service account key it trusts. */
  monitoring: { tokenUrl: string; url: string; project: string; keyJson: string };
  points: MetricPoint[];
  refusals: Refusal[];
  /**
   * A pool's demand as the clouds add it up: the latest point of each series (one per router) received within
   * `windowMs`, summed; undefined when no series has a point that recent (missing data).
   */
  demand(cloud: "aws" | "gcp", metric: string, poolLabel: string, pool: string, windowMs: number, nowMs?: number): number | undefined;
  stop(): Promise<void>;
}

export interface SinkOptions {
  region?: string;
  project?: string;
  /** The one access key CloudWatch accepts (the stack's publisher key); a fresh one when unset. */
  aws?: { accessKeyId: string; secretAccessKey: string };
  /** The service-account key file whose signatures the token endpoint accepts (the stack's publisher key); a fresh one when unset. */
  gcpKeyJson?: string;
  /** Cloud Monitoring's minimum interval between two points of one series (5 s, as the real API). */
  minSampleMs?: number;
}

/** Starts both sinks on loopback ports, trusting the given credentials (or a fresh key pair for each cloud). */
export async function startCloudSinks(o: SinkOptions = {}): Promise<CloudSinks> {
  const region = o.region ?? "eu-central-1";
  const project = o.project ?? "hybrid-inference-local";
  const minSampleMs = o.minSampleMs ?? GCP_MIN_SAMPLE_MS;
  const accessKeyId = o.aws?.accessKeyId ?? "AKIALOCALFLEET000001";
  const secretAccessKey = o.aws?.secretAccessKey ?? createHash("sha256").update(String(Math.random())).digest("base64").slice(0, 40);
  let keyJson: string;
  let clientEmail: string;
  let publicKey: KeyObject;
  if (o.gcpKeyJson) {
    const key = JSON.parse(o.gcpKeyJson) as { client_email?: string; private_key?: string };
    if (!key.client_email || !key.private_key) throw new Error("the GCP key file needs client_email and private_key");
    keyJson = o.gcpKeyJson;
    clientEmail = key.client_email;
    // Google keeps the key's public half; the key file's private key yields the same one.
    publicKey = createPublicKey(key.private_key);
  } else {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    publicKey = pair.publicKey;
    clientEmail = `demand-publisher@${project}.iam.gserviceaccount.com`;
    keyJson = JSON.stringify({ type: "service_account", project_id: project, client_email: clientEmail, private_key: pair.privateKey.export({ type: "pkcs8", format: "pem" }) });
  }
  const points: MetricPoint[] = [];
  const refusals: Refusal[] = [];
  const tokens = new Map<string, number>();
  const lastWrite = new Map<string, number>();

  const refuse = (cloud: "aws" | "gcp", r: Reply, reason: string): Reply => {
    refusals.push({ cloud, status: r.status, reason });
    return r;
  };

  const cw = await listen((c) => {
    if (c.method !== "POST") return refuse("aws", awsError(405, "InvalidAction", "POST only"), "not a POST");
    if (sigv4KeyId(c) !== accessKeyId) return refuse("aws", awsError(403, "InvalidClientTokenId", "The security token included in the request is invalid."), "unknown access key");
    if (!sigv4Valid(c, secretAccessKey, region, "monitoring")) {
      return refuse("aws", awsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."), "bad signature");
    }
    if (!(Math.abs(amzDateMs(String(c.headers["x-amz-date"] ?? "")) - Date.now()) <= AWS_MAX_SKEW_MS)) return refuse("aws", awsError(403, "RequestExpired", "Request has expired."), "clock skew");
    const form = new URLSearchParams(c.body);
    if (form.get("Action") !== "PutMetricData" || form.get("Version") !== "2010-08-01") return refuse("aws", awsError(400, "InvalidAction", "Could not find operation"), "not PutMetricData");
    const namespace = form.get("Namespace") ?? "";
    if (!namespace || namespace.startsWith("AWS/")) return refuse("aws", awsError(400, "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid."), "bad namespace");
    const accepted: MetricPoint[] = [];
    for (let i = 1; form.has(`MetricData.member.${i}.MetricName`); i++) {
      const f = (k: string) => form.get(`MetricData.member.${i}.${k}`);
      const value = Number(f("Value"));
      if (f("Value") === null || !Number.isFinite(value)) return refuse("aws", awsError(400, "InvalidParameterValue", `The value ${f("Value")} for parameter MetricData.member.${i}.Value is invalid.`), "bad value");
      const labels: Record<string, string> = {};
      for (let d = 1; f(`Dimensions.member.${d}.Name`) !== null; d++) labels[f(`Dimensions.member.${d}.Name`) ?? ""] = f(`Dimensions.member.${d}.Value`) ?? "";
      accepted.push({ cloud: "aws", metric: `${namespace}/${f("MetricName")}`, labels, value, receivedMs: Date.now() });
    }
    if (accepted.length === 0) return refuse("aws", awsError(400, "MissingParameter", "The parameter MetricData is required."), "no data");
    points.push(...accepted);
    return { status: 200, type: "text/xml", body: "<PutMetricDataResponse><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PutMetricDataResponse>" };
  });

  const oauth = await listen((c) => {
    const form = new URLSearchParams(c.body);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return refuse("gcp", { status: 400, body: JSON.stringify({ error: "unsupported_grant_type" }) }, "grant type");
    const [h = "", p = "", s = ""] = (form.get("assertion") ?? "").split(".");
    const bad = (why: string) => refuse("gcp", { status: 400, body: JSON.stringify({ error: "invalid_grant", error_description: why }) }, why);
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    } catch {
      return bad("Invalid JWT");
    }
    if (header.alg !== "RS256") return bad("Invalid JWT signature algorithm");
    if (!createVerify("RSA-SHA256").update(`${h}.${p}`).verify(publicKey, Buffer.from(s, "base64url"))) return bad("Invalid JWT Signature.");
    if (claims.iss !== clientEmail) return bad("Invalid issuer");
    if (claims.aud !== `${oauth.url}/token`) return bad("Invalid JWT audience");
    const now = Date.now() / 1000;
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!(Math.abs(iat - now) <= 300) || !(exp > now) || !(exp - iat <= 3600)) return bad("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
    if (!String(claims.scope ?? "").split(" ").includes("https://www.googleapis.com/auth/monitoring.write")) return bad("missing monitoring.write scope");
    const token = `ya29.local-${createHash("sha256").update(`${p}${Math.random()}`).digest("hex").slice(0, 32)}`;
    tokens.set(token, Date.now() + 3599_000);
    return { status: 200, body: JSON.stringify({ access_token: token, expires_in: 3599, token_type: "Bearer" }) };
  });

  const monitoring = await listen((c) => {
    const token = /^Bearer (.+)$/.exec(String(c.headers.authorization ?? ""))?.[1] ?? "";
    if (!((tokens.get(token) ?? 0) > Date.now())) return refuse("gcp", googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), "bad token");
    if (c.method !== "POST" || c.url !== `/v3/projects/${project}/timeSeries`) return refuse("gcp", googleError(404, "NOT_FOUND", `no such method ${c.method} ${c.url}`), "wrong path");
    let body: { timeSeries?: Array<{ metric?: { type?: string; labels?: Record<string, string> }; resource?: { type?: string; labels?: Record<string, string> }; points?: Array<{ interval?: { endTime?: string }; value?: { int64Value?: string; doubleValue?: number } }> }> };
    try {
      body = JSON.parse(c.body) as typeof body;
    } catch {
      return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received."), "bad JSON");
    }
    const series = body.timeSeries ?? [];
    if (series.length === 0 || series.length > 200) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "timeSeries must hold 1 to 200 series"), "series count");
    const accepted: MetricPoint[] = [];
    const ends: Array<[string, number]> = [];
    for (const ts of series) {
      const type = ts.metric?.type ?? "";
      if (!type.startsWith("custom.googleapis.com/")) return refuse("gcp", googleError(403, "PERMISSION_DENIED", `metric type ${type} may not be written`), "not a custom metric");
      if (ts.resource?.type !== "global" || ts.resource.labels?.project_id !== project) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "resource must be global with this project's project_id"), "resource");
      if (ts.points?.length !== 1) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "Only one point can be written per TimeSeries per request."), "points");
      const endMs = Date.parse(ts.points[0]?.interval?.endTime ?? "");
      if (!Number.isFinite(endMs)) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "The point's interval needs an endTime."), "no end time");
      if (endMs > Date.now() + 5 * 60_000 || endMs < Date.now() - 25 * 3600_000) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "Points must be written within 25 hours in the past and 5 minutes in the future."), "end time out of range");
      const v = ts.points[0]?.value;
      const value = v?.int64Value !== undefined ? Number(v.int64Value) : Number(v?.doubleValue);
      if (!Number.isFinite(value)) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "point value missing"), "value");
      const labels = ts.metric?.labels ?? {};
      const key = `${type}|${JSON.stringify(Object.entries(labels).sort())}`;
      const last = lastWrite.get(key);
      if (last !== undefined && endMs <= last) return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "Points must be written in order. One or more of the points specified had an older start time than the most recent point."), "out of order");
      if (last !== undefined && endMs - last < minSampleMs) {
        return refuse("gcp", googleError(400, "INVALID_ARGUMENT", "One or more points were written more frequently than the maximum sampling period configured for the metric."), "sampled too often");
      }
      accepted.push({ cloud: "gcp", metric: type, labels, value, receivedMs: Date.now() });
      ends.push([key, endMs]);
    }
    for (const [key, endMs] of ends) lastWrite.set(key, endMs);
    points.push(...accepted);
    return { status: 200, body: "{}" };
  });

  return {
    cloudwatch: { url: `${cw.url}/`, region, accessKeyId, secretAccessKey },
    monitoring: { tokenUrl: `${oauth.url}/token`, url: monitoring.url, project, keyJson },
    points,
    refusals,
    demand(cloud, metric, poolLabel, pool, windowMs, nowMs = Date.now()) {
      const latest = new Map<string, MetricPoint>();
      for (const p of points) {
        if (p.cloud !== cloud || p.metric !== metric || p.labels[poolLabel] !== pool || nowMs - p.receivedMs > windowMs) continue;
        const series = JSON.stringify(Object.entries(p.labels).sort());
        const seen = latest.get(series);
        if (!seen || seen.receivedMs <= p.receivedMs) latest.set(series, p);
      }
      if (latest.size === 0) return undefined;
      return [...latest.values()].reduce((n, p) => n + p.value, 0);
    },
    stop: async () => {
      await Promise.all([cw.server, oauth.server, monitoring.server].map((s) => new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      })));
    },
  };
}
