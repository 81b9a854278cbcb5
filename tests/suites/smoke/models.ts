import { expect, type SuiteTest } from "../framework";

export const models: SuiteTest = {
  name: "models lists the served model",
  async run(ctx) {
    const res = await ctx.http.get("/v1/models", { signal: ctx.signal });
    expect(res.status === 200, `GET /v1/models answered ${res.status}: ${res.text.slice(0, 200)}`);
    const data = (res.json as { data?: Array<{ id?: unknown }> } | undefined)?.data;
    expect(Array.isArray(data) && data.length > 0, "data is missing or empty");
    expect(data.every((m) => typeof m.id === "string" && m.id.length > 0), "a model has no id");
    return { metrics: { models: data.length, first: String(data[0]?.id) } };
  },
};
