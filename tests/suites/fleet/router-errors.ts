/**
 * What the router answers itself is an OpenAI-style JSON error, at the router and through the load balancer in front:
 * 401 without the key, 411 for a chunked body, and 413 for a body past the limit, also when the client first asks
 * `Expect: 100-continue` as curl does for large bodies: the router refuses on the headers, before any `100 Continue`
 * and before a byte of the body (HAProxy's `http-request wait-for-body` comes after those rules).
 */
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Http } from "../http";
import { expect, type SuiteTest } from "../framework";
import { fleetOf } from "./router";

interface RawAnswer {
  /** Every status line seen, in order (a 100 Continue would come first). */
  statuses: number[];
  contentType: string;
  body: string;
}

/** Sends headers only (the body is promised, never sent) and reads what comes back until the server closes or 5 s pass. */
function headersOnly(url: URL, headers: string[], tls?: { ca: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const socket: Socket = url.protocol === "https:" ? tlsConnect({ host: url.hostname, port, ca: tls?.ca, servername: "localhost" }) : tcpConnect({ host: url.hostname, port });
    let raw = "";
    const done = () => {
      socket.destroy();
      const statuses = [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
      const last = raw.lastIndexOf("HTTP/1.1 ");
      const response = raw.slice(last);
      const [head = "", body = ""] = response.split("\r\n\r\n");
      const contentType = /^content-type: *(.*)$/im.exec(head)?.[1]?.trim() ?? "";
      resolve({ statuses, contentType, body });
    };
    const timer = setTimeout(done, 5000);
    socket.on("data", (b: Buffer) => {
      raw += b.toString();
      // One final (non-1xx) response with its whole body is enough.
      const m = /^HTTP\/1\.1 [2-5]\d\d[\s\S]*?\r\ncontent-length: *(\d+)[\s\S]*?\r\n\r\n([\s\S]*)$/im.exec(raw);
      if (m && Buffer.byteLength(m[2] ?? "") >= Number(m[1])) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      done();
    });
    socket.on("error", reject);
    socket.write(`POST /v1/completions HTTP/1.1\r\nhost: ${url.host}\r\n${headers.join("\r\n")}\r\n\r\n`);
  });
}

const openAiError = (body: string): { code?: unknown; type?: unknown } | undefined => {
  try {
    return (JSON.parse(body) as { error?: { code?: unknown; type?: unknown } }).error;
  } catch {
    return undefined;
  }
};

export const routerErrors: SuiteTest = {
  name: "the router's own answers are OpenAI-style JSON: 401, 411 and 413 (also after Expect: 100-continue, before any 100), at the router and through the load balancer",
  async run(ctx) {
    const entry = fleetOf(ctx).control?.entry;
    const targets: Array<{ name: string; url: URL; http: Http; tls?: { ca: string } }> = [{ name: "router", url: new URL(ctx.http.baseUrl), http: ctx.http }];
    if (entry) targets.push({ name: "load balancer", url: new URL(entry.baseUrl), http: new Http(entry.baseUrl, ctx.apiKey, 2, entry.tls), tls: entry.tls });
    const seen: Record<string, string> = {};
    for (const t of targets) {
      if (ctx.apiKey) {
        const r = await t.http.post("/v1/completions", { prompt: "x", max_tokens: 1 }, { auth: false, signal: ctx.signal, timeoutMs: 10_000 });
        expect(r.status === 401 && openAiError(r.text)?.code === "invalid_api_key", `${t.name}: no key should give a JSON 401 (invalid_api_key); got ${r.status} ${r.text.slice(0, 120)}`);
        seen[`${t.name} 401`] = String(openAiError(r.text)?.code);
      }
      const auth = ctx.apiKey ? [`authorization: Bearer ${ctx.apiKey}`] : [];
      const chunked = await headersOnly(t.url, ["content-type: application/json", "transfer-encoding: chunked", ...auth], t.tls);
      expect(chunked.statuses.at(-1) === 411 && chunked.contentType.startsWith("application/json") && openAiError(chunked.body)?.code === "length_required", `${t.name}: a chunked body should give a JSON 411; got ${JSON.stringify(chunked)}`);
      seen[`${t.name} 411`] = String(openAiError(chunked.body)?.code);
      const big = await headersOnly(t.url, ["content-type: application/json", `content-length: ${20 * 1024 * 1024}`, "expect: 100-continue", ...auth], t.tls);
      expect(!big.statuses.includes(100), `${t.name}: a body past the limit must be refused before HAProxy answers 100 Continue; statuses ${JSON.stringify(big.statuses)}`);
      expect(big.statuses.at(-1) === 413 && big.contentType.startsWith("application/json") && openAiError(big.body)?.code === "request_too_large", `${t.name}: 20 MB after Expect: 100-continue should give a JSON 413; got ${JSON.stringify(big)}`);
      seen[`${t.name} 413`] = String(openAiError(big.body)?.code);
    }
    return { metrics: { checked: Object.keys(seen).length, codes: JSON.stringify(seen) } };
  },
};
