/** SSE framing rules shared by the completions and chat streams. */
import type { SseResponse } from "../http";
import { expect } from "../framework";
import { chunks, DONE, firstChoice, usageOf } from "../requests";
import { conformance } from "./openai-schemas";
import type { z } from "zod";

export function checkFraming(res: SseResponse, chunkSchema: z.ZodType, what: string): Array<Record<string, unknown>> {
  expect(res.status === 200, `${what} stream answered ${res.status}: ${res.text.slice(0, 200)}`);
  const contentType = String(res.headers["content-type"] ?? "");
  expect(contentType.startsWith("text/event-stream"), `content-type is ${contentType}, not text/event-stream`);
  expect(res.events.length >= 2, `only ${res.events.length} events`);
  const last = res.events[res.events.length - 1];
  expect(last?.data === DONE, `the stream does not end with data: [DONE] (last: ${last?.data.slice(0, 80)})`);
  expect(res.events.filter((e) => e.data === DONE).length === 1, "[DONE] appears more than once");
  const bodies = chunks(res.events).map((c) => c.body);
  bodies.forEach((b, i) => {
    const problems = conformance(chunkSchema, b);
    expect(problems.length === 0, `chunk ${i} does not conform: ${problems.join("; ")}`);
  });
  const ids = new Set(bodies.map((b) => b.id));
  expect(ids.size === 1, `chunks carry ${ids.size} different ids`);
  const finishes = bodies.map((b) => firstChoice(b)?.finish_reason).filter((f) => f !== null && f !== undefined);
  expect(finishes.length === 1, `expected exactly one finish_reason, got ${finishes.length}`);
  const withUsage = bodies.filter((b) => usageOf(b) !== undefined);
  expect(withUsage.length >= 1, "no chunk carries usage (stream_options.include_usage was requested)");
  return bodies;
}
