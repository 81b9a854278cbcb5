/** The contract schemas accept what OpenAI itself returns and what llama.cpp returns, and name what is wrong. */
import { describe, expect, it } from "vitest";
import { chatChunk, chatCompletion, completion, conformance, errorResponse, modelList } from "../suites/contract/openai-schemas";

const openAiChat = {
  id: "chatcmpl-abc",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello!", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 } },
  service_tier: "default",
  system_fingerprint: "fp_1",
};

const llamaChat = {
  choices: [{ finish_reason: "length", index: 0, message: { role: "assistant", content: "\n\n" } }],
  created: 1795282852,
  model: "hybrid-tiny-llama",
  system_fingerprint: "b1-de3ff81",
  object: "chat.completion",
  usage: { completion_tokens: 8, prompt_tokens: 29, total_tokens: 37 },
  id: "chatcmpl-x",
  timings: { predicted_n: 8 },
};

describe("OpenAI contract schemas", () => {
  it("accept an OpenAI chat completion and a llama.cpp one", () => {
    expect(conformance(chatCompletion, openAiChat)).toEqual([]);
    expect(conformance(chatCompletion, llamaChat)).toEqual([]);
  });

  it("name the path of what is missing or wrong", () => {
    expect(conformance(chatCompletion, { ...llamaChat, choices: undefined })).toEqual([expect.stringMatching(/^choices: /)]);
    expect(conformance(chatCompletion, { ...llamaChat, object: "chat.completion.chunk" })[0]).toMatch(/^object: /);
    const badFinish = { ...llamaChat, choices: [{ ...llamaChat.choices[0], finish_reason: "tired" }] };
    expect(conformance(chatCompletion, badFinish)[0]).toMatch(/^choices\.0\.finish_reason: /);
    expect(conformance(completion, { id: "x", object: "text_completion", created: 1, model: "m", choices: [] })[0]).toMatch(/^choices: /);
  });

  it("streamed chunks: finish_reason null until the end, usage chunk with empty choices", () => {
    const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    expect(conformance(chatChunk, { ...base, choices: [{ index: 0, delta: { role: "assistant", content: null }, finish_reason: null }] })).toEqual([]);
    expect(conformance(chatChunk, { ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })).toEqual([]);
    expect(conformance(chatChunk, { ...base, choices: [{ index: 0, delta: { role: "robot" }, finish_reason: null }] })[0]).toMatch(/role/);
  });

  it("error objects: OpenAI's shape and llama.cpp's numeric code pass, a bare string does not", () => {
    expect(conformance(errorResponse, { error: { message: "bad", type: "invalid_request_error", param: null, code: null } })).toEqual([]);
    expect(conformance(errorResponse, { error: { code: 400, message: "bad", type: "invalid_request_error" } })).toEqual([]);
    expect(conformance(errorResponse, { error: "bad" })).not.toEqual([]);
    expect(conformance(errorResponse, undefined)).not.toEqual([]);
  });

  it("model lists need at least one model with an id", () => {
    expect(conformance(modelList, { object: "list", data: [{ id: "m", object: "model", created: 1, owned_by: "o" }] })).toEqual([]);
    expect(conformance(modelList, { object: "list", data: [] })).not.toEqual([]);
  });
});
