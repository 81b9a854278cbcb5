// A trivial OpenAI-style streaming endpoint on loopback: the role delta, three content deltas, the usage chunk and
// [DONE], with no model behind it. The load suite runs its generator against it to measure the runner's own ceiling.
import { createServer } from "node:http";

const id = "chatcmpl-stub";
const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "stub", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const body =
  chunk({ role: "assistant", content: null }) +
  chunk({ content: "a" }) +
  chunk({ content: "b" }) +
  chunk({ content: "c" }, "length") +
  `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "stub", choices: [], usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } })}\n\n` +
  "data: [DONE]\n\n";

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => console.log(String(server.address().port)));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
