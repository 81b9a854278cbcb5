/**
 * Response schemas for the OpenAI-compatible API, tied to the official types in the `openai` SDK at compile time:
 * each schema's output must be assignable to the SDK type (so no required field is forgotten and no field has the
 * wrong type), and each SDK type must be accepted by the schema's input (so a valid OpenAI response is never
 * rejected). Where llama.cpp knowingly differs, the difference is named in RELAXED and in docs/testing.md.
 */
import type OpenAI from "openai";
import { z } from "zod";

/** Fields OpenAI marks required that llama.cpp leaves out or shapes differently. Clients tolerate all of them. */
export const RELAXED = [
  "chat choices[].logprobs may be absent (llama.cpp sends it only when logprobs are requested)",
  "chat message.refusal may be absent",
  "error.param may be absent and error.code may be the HTTP status as a number",
] as const;

type Relax<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
/** Compile-time proof that every value of T is accepted by a schema whose input type is I. */
type Accepts<I, T extends I> = T;

const usage = z.object({
  completion_tokens: z.number().int().nonnegative(),
  prompt_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
}) satisfies z.ZodType<OpenAI.CompletionUsage>;

const logprobs = z.object({
  text_offset: z.array(z.number()).optional(),
  token_logprobs: z.array(z.number()).optional(),
  tokens: z.array(z.string()).optional(),
  top_logprobs: z.array(z.record(z.string(), z.number())).optional(),
});

const completionChoice = z.object({
  finish_reason: z.enum(["stop", "length", "content_filter"]),
  index: z.number().int().nonnegative(),
  logprobs: logprobs.nullable(),
  text: z.string(),
}) satisfies z.ZodType<OpenAI.CompletionChoice>;

export const completion = z.object({
  id: z.string().min(1),
  choices: z.array(completionChoice).min(1),
  created: z.number().int(),
  model: z.string(),
  object: z.literal("text_completion"),
  system_fingerprint: z.string().optional(),
  usage: usage.optional(),
}) satisfies z.ZodType<OpenAI.Completion>;
export type _CompletionAccepts = Accepts<z.input<typeof completion>, OpenAI.Completion & { choices: [OpenAI.CompletionChoice] }>;

/** A streamed completions chunk: the same object, with finish_reason null until the last chunk. */
export const completionChunk = completion.extend({
  choices: z.array(completionChoice.extend({ finish_reason: completionChoice.shape.finish_reason.nullable() })),
});

const chatMessage = z.object({
  content: z.string().nullable(),
  refusal: z.string().nullable().optional(),
  role: z.literal("assistant"),
}) satisfies z.ZodType<Relax<OpenAI.Chat.ChatCompletionMessage, "refusal">>;

const finishReason = z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"]);

const chatChoice = z.object({
  finish_reason: finishReason,
  index: z.number().int().nonnegative(),
  /** Only present when requested; its token entries are not part of this contract. */
  logprobs: z.unknown().optional(),
  message: chatMessage,
});

export const chatCompletion = z.object({
  id: z.string().min(1),
  choices: z.array(chatChoice).min(1),
  created: z.number().int(),
  model: z.string(),
  object: z.literal("chat.completion"),
  system_fingerprint: z.string().optional(),
  usage: usage.optional(),
}) satisfies z.ZodType<
  Omit<OpenAI.Chat.ChatCompletion, "choices"> & {
    choices: Array<Omit<OpenAI.Chat.ChatCompletion.Choice, "logprobs" | "message"> & { message: Relax<OpenAI.Chat.ChatCompletionMessage, "refusal"> }>;
  }
>;
export type _ChatAccepts = Accepts<
  z.input<typeof chatCompletion>,
  Omit<OpenAI.Chat.ChatCompletion, "choices" | "usage"> & { choices: [OpenAI.Chat.ChatCompletion.Choice]; usage?: OpenAI.CompletionUsage }
>;

const delta = z.object({
  content: z.string().nullable().optional(),
  refusal: z.string().nullable().optional(),
  role: z.enum(["developer", "system", "user", "assistant", "tool"]).optional(),
}) satisfies z.ZodType<Omit<OpenAI.Chat.ChatCompletionChunk.Choice.Delta, "function_call" | "tool_calls">>;

export const chatChunk = z.object({
  id: z.string().min(1),
  choices: z.array(
    z.object({
      delta,
      finish_reason: finishReason.nullable(),
      index: z.number().int().nonnegative(),
      logprobs: z.unknown().optional(),
    }),
  ),
  created: z.number().int(),
  model: z.string(),
  object: z.literal("chat.completion.chunk"),
  system_fingerprint: z.string().optional(),
  usage: usage.nullable().optional(),
}) satisfies z.ZodType<
  Omit<OpenAI.Chat.ChatCompletionChunk, "choices"> & {
    choices: Array<Omit<OpenAI.Chat.ChatCompletionChunk.Choice, "delta" | "logprobs"> & { delta: Omit<OpenAI.Chat.ChatCompletionChunk.Choice.Delta, "function_call" | "tool_calls"> }>;
  }
>;
export type _ChunkAccepts = Accepts<z.input<typeof chatChunk>, OpenAI.Chat.ChatCompletionChunk & { choices: [] }>;

export const errorResponse = z.object({
  error: z.object({
    message: z.string().min(1),
    type: z.string().min(1),
    code: z.union([z.string(), z.number()]).nullable().optional(),
    param: z.string().nullable().optional(),
  }) satisfies z.ZodType<Relax<Omit<OpenAI.ErrorObject, "code">, "param"> & { code?: string | number | null }>,
});
export type _ErrorAccepts = Accepts<z.input<typeof errorResponse>["error"], OpenAI.ErrorObject>;

const model = z.object({
  id: z.string().min(1),
  created: z.number().int(),
  object: z.literal("model"),
  owned_by: z.string(),
}) satisfies z.ZodType<OpenAI.Models.Model>;

export const modelList = z.object({ object: z.literal("list"), data: z.array(model).min(1) });
export type _ModelAccepts = Accepts<z.input<typeof model>, OpenAI.Models.Model>;

/** Validates a body and returns the first few problems as "path: message" strings (empty when it conforms). */
export function conformance(schema: z.ZodType, body: unknown): string[] {
  const r = schema.safeParse(body);
  if (r.success) return [];
  return r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`);
}
