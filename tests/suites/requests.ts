/** Request bodies the suites send, and small readers for the answers. */
import type { SseEvent } from "./http";
import type { SuiteContext } from "./framework";

export const PROMPT = "The quick brown fox";

export function completionBody(ctx: Pick<SuiteContext, "model">, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: ctx.model, prompt: PROMPT, max_tokens: 16, ...extra };
}

export function chatBody(ctx: Pick<SuiteContext, "model">, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: ctx.model, messages: [{ role: "user", content: "Say hello." }], max_tokens: 16, ...extra };
}

/** Greedy and seeded: the same input gives the same output on the same server. */
export const DETERMINISTIC = { temperature: 0, seed: 42, top_k: 1 } as const;

export const DONE = "[DONE]";

/** The JSON payloads of a stream (everything but the final [DONE]); throws on a payload that is not JSON. */
export function chunks(events: SseEvent[]): Array<{ at: number; body: Record<string, unknown> }> {
  return events
    .filter((e) => e.data !== DONE)
    .map((e) => {
      try {
        return { at: e.at, body: JSON.parse(e.data) as Record<string, unknown> };
      } catch {
        throw new Error(`a stream event is neither JSON nor [DONE]: ${e.data.slice(0, 80)}`);
      }
    });
}

interface ChoiceLike {
  text?: string;
  delta?: { content?: string | null };
  message?: { content?: string | null };
  finish_reason?: string | null;
}

export function firstChoice(body: unknown): ChoiceLike | undefined {
  const choices = (body as { choices?: unknown } | undefined)?.choices;
  return Array.isArray(choices) ? (choices[0] as ChoiceLike | undefined) : undefined;
}

/** The text a chunk carries: `text` for completions, `delta.content` for chat. */
export function chunkText(body: unknown): string {
  const c = firstChoice(body);
  return c?.text ?? c?.delta?.content ?? "";
}

export function usageOf(body: unknown): { completion_tokens: number; prompt_tokens: number } | undefined {
  const u = (body as { usage?: { completion_tokens?: unknown; prompt_tokens?: unknown } | null } | undefined)?.usage;
  if (u && typeof u.completion_tokens === "number" && typeof u.prompt_tokens === "number") return { completion_tokens: u.completion_tokens, prompt_tokens: u.prompt_tokens };
  return undefined;
}
