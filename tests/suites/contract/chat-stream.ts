import { expect, type SuiteTest } from "../framework";
import { chatBody, usageOf } from "../requests";
import { checkFraming } from "./framing";
import { chatChunk } from "./openai-schemas";

interface ChatChunkLike {
  choices: Array<{ delta?: { role?: string; content?: string | null } }>;
}

export const chatStream: SuiteTest = {
  name: "chat stream: role delta first, content deltas, finish_reason, usage, [DONE]",
  async run(ctx) {
    const res = await ctx.http.stream("/v1/chat/completions", chatBody(ctx, { max_tokens: 8, stream_options: { include_usage: true } }), { signal: ctx.signal });
    const bodies = checkFraming(res, chatChunk, "chat") as unknown as ChatChunkLike[];
    const first = bodies[0]?.choices[0]?.delta;
    expect(first?.role === "assistant", `the first delta's role is ${String(first?.role)}, not assistant`);
    const roles = bodies.slice(1).filter((b) => b.choices[0]?.delta?.role !== undefined);
    expect(roles.length === 0, `${roles.length} later chunks repeat the role`);
    const content = bodies.filter((b) => typeof b.choices[0]?.delta?.content === "string" && b.choices[0]?.delta?.content !== "");
    expect(content.length > 0, "no content deltas");
    const last = bodies[bodies.length - 1];
    const usage = usageOf(last);
    expect(usage !== undefined, "the final chunk carries no usage");
    expect(last?.choices.length === 0, "the usage chunk should have an empty choices array (OpenAI include_usage)");
    return { metrics: { content_deltas: content.length, completion_tokens: usage.completion_tokens } };
  },
};
