import { describe, expect, it } from "vitest";
import { getInstanceType } from "../../infra/catalog";
import { deriveLaunchSpec, launchArgs, launchEnv } from "../../infra/inference/launch";
import { deriveParallel, memoryRequiredGiB } from "../../infra/inference/sizing";

const model = { name: "qwen2.5-1.5b-instruct", file: "q.gguf" };
const inference = { port: 8080, ctxPerSlot: 4096, metrics: true };

describe("launch spec", () => {
  it("derives threads and slots from vCPUs and splits the context across slots", () => {
    const spec = deriveLaunchSpec({ instance: getInstanceType("hetzner", "cpx32"), model, inference, apiKey: false });
    expect(spec.threads).toBe(4);
    expect(spec.parallel).toBe(4);
    expect(spec.ctxSize).toBe(4 * 4096);
    expect(spec.ctxSize / spec.parallel).toBe(spec.ctxPerSlot);
  });

  it("caps slots at 8 and honours a configured value", () => {
    expect(deriveParallel(16)).toBe(8);
    expect(deriveParallel(2)).toBe(2);
    expect(deriveParallel(16, 3)).toBe(3);
  });

  it("renders llama-server flags, with --metrics and an API key file (never the key) when configured", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 2, memoryGiB: 16 }, model, inference, apiKey: true });
    const args = launchArgs(spec);
    expect(args.join(" ")).toBe(
      "--model /models/q.gguf --alias qwen2.5-1.5b-instruct --host 0.0.0.0 --port 8080 --threads 2 --parallel 2 --ctx-size 8192 --metrics --api-key-file /run/secrets/llama-api-key",
    );
    expect(args).not.toContain("--api-key");
  });

  it("omits --metrics and the key file when not configured", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 2, memoryGiB: 16 }, model, inference: { ...inference, metrics: false }, apiKey: false });
    expect(launchArgs(spec)).not.toContain("--metrics");
    expect(launchArgs(spec)).not.toContain("--api-key-file");
    expect(launchEnv(spec).HI_API_KEY_FILE).toBe("");
  });

  it("renders the same values as the boot script's environment", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 4, memoryGiB: 16 }, model, inference, apiKey: true, host: "127.0.0.1", modelDir: "/tmp/m" });
    expect(launchEnv(spec)).toMatchObject({ HI_HOST: "127.0.0.1", HI_THREADS: "4", HI_PARALLEL: "4", HI_CTX_SIZE: "16384", HI_MODEL_PATH: "/tmp/m/q.gguf", HI_METRICS: "1" });
  });

  it("sizes memory from weights plus the KV cache of every slot", () => {
    const m = { sizeBytes: 1024 ** 3, kvBytesPerToken: 131072 };
    const one = memoryRequiredGiB(m, 4096, 1);
    const four = memoryRequiredGiB(m, 4096, 4);
    expect(four - one).toBeCloseTo((3 * 4096 * 131072) / 1024 ** 3 / 0.9, 6);
  });
});
