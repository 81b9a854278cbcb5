import { describe, expect, it } from "vitest";
import { catalog, getInstanceType } from "../../infra/catalog";
import { physicalCores } from "../../infra/cpu-topology";
import { deriveLaunchSpec, launchArgs, launchEnv } from "../../infra/inference/launch";
import { deriveParallel, memoryRequiredGiB } from "../../infra/inference/sizing";

const model = { name: "qwen2.5-1.5b-instruct", file: "q.gguf" };
const inference = { port: 8080, ctxPerSlot: 4096, metrics: true };

describe("launch spec", () => {
  const machine = (cloud: "hetzner" | "aws" | "gcp", name: string) => {
    const t = getInstanceType(cloud, name);
    return { vcpu: t.vcpu, memoryGiB: t.memoryGiB, physicalCores: physicalCores(t) };
  };

  it("derives threads from physical cores, slots from vCPUs, and splits the context across slots", () => {
    const spec = deriveLaunchSpec({ instance: machine("hetzner", "cpx32"), model, inference, apiKey: false });
    expect(spec.threads).toBe(2);
    expect(spec.threadsBatch).toBe(2);
    expect(spec.parallel).toBe(4);
    expect(spec.ctxSize).toBe(4 * 4096);
    expect(spec.ctxSize / spec.parallel).toBe(spec.ctxPerSlot);
  });

  it.each([
    ["aws", "r6a.large", 1],
    ["aws", "r7i.large", 1],
    ["gcp", "n2d-highmem-2", 1],
    ["gcp", "e2-highmem-2", 1],
    ["hetzner", "cpx22", 1],
    ["hetzner", "ccx33", 4],
    ["aws", "r7a.large", 2],
    ["aws", "m7a.large", 2],
    ["aws", "r7a.4xlarge", 16],
    ["gcp", "n2d-highmem-16", 8],
    ["hetzner", "ax42", 8],
  ] as const)("%s %s: one thread per physical core = %i", (cloud, name, threads) => {
    expect(deriveLaunchSpec({ instance: machine(cloud, name), model, inference, apiKey: false }).threads).toBe(threads);
  });

  it("never runs more threads than vCPUs, on any catalog type", () => {
    for (const t of catalog) {
      const spec = deriveLaunchSpec({ instance: { vcpu: t.vcpu, memoryGiB: t.memoryGiB, physicalCores: physicalCores(t) }, model, inference, apiKey: false });
      expect(spec.threads, t.name).toBeLessThanOrEqual(t.vcpu);
      expect(spec.threads, t.name).toBeGreaterThanOrEqual(1);
    }
  });

  it("leaves reserved cores to other work, down to one thread", () => {
    const host = { vcpu: 2, memoryGiB: 24, physicalCores: 2 };
    expect(deriveLaunchSpec({ instance: host, reserveCores: 1, model, inference, apiKey: false }).threads).toBe(1);
    expect(deriveLaunchSpec({ instance: { ...host, vcpu: 1, physicalCores: 1 }, reserveCores: 1, model, inference, apiKey: false }).threads).toBe(1);
    expect(deriveLaunchSpec({ instance: { vcpu: 16, memoryGiB: 64, physicalCores: 8 }, reserveCores: 1, model, inference, apiKey: false }).threads).toBe(7);
  });

  it("takes pinned threads, threads-batch and poll, and refuses values llama-server would not", () => {
    const host = { vcpu: 2, memoryGiB: 24, physicalCores: 2 };
    const spec = deriveLaunchSpec({ instance: host, overrides: { threads: 2, threadsBatch: 1, poll: 0 }, model, inference, apiKey: false });
    expect(spec).toMatchObject({ threads: 2, threadsBatch: 1, poll: 0 });
    expect(launchArgs(spec).join(" ")).toContain("--threads 2 --threads-batch 1 --parallel 2 --ctx-size 8192 --poll 0");
    expect(launchEnv(spec)).toMatchObject({ HI_THREADS: "2", HI_THREADS_BATCH: "1", HI_POLL: "0" });
    expect(() => deriveLaunchSpec({ instance: host, overrides: { poll: 101 }, model, inference, apiKey: false })).toThrow(/poll must be an integer from 0 to 100 \(got 101\)/);
    expect(() => deriveLaunchSpec({ instance: host, overrides: { threads: 0 }, model, inference, apiKey: false })).toThrow(/threads must be an integer from 1/);
  });

  it("leaves --poll at llama.cpp's default unless pinned", () => {
    const spec = deriveLaunchSpec({ instance: machine("aws", "r7a.large"), model, inference, apiKey: false });
    expect(spec.poll).toBeUndefined();
    expect(launchArgs(spec)).not.toContain("--poll");
    expect(launchEnv(spec).HI_POLL).toBe("");
  });

  it("caps slots at 8 and honours a configured value", () => {
    expect(deriveParallel(16)).toBe(8);
    expect(deriveParallel(2)).toBe(2);
    expect(deriveParallel(16, 3)).toBe(3);
  });

  it("renders llama-server flags, with --metrics and an API key file (never the key) when configured", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 2, memoryGiB: 16, physicalCores: 2 }, model, inference, apiKey: true });
    const args = launchArgs(spec);
    expect(args.join(" ")).toBe(
      "--model /models/q.gguf --alias qwen2.5-1.5b-instruct --host 0.0.0.0 --port 8080 --threads 2 --threads-batch 2 --parallel 2 --ctx-size 8192 --metrics --api-key-file /run/secrets/llama-api-key",
    );
    expect(args).not.toContain("--api-key");
  });

  it("omits --metrics and the key file when not configured", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 2, memoryGiB: 16, physicalCores: 1 }, model, inference: { ...inference, metrics: false }, apiKey: false });
    expect(launchArgs(spec)).not.toContain("--metrics");
    expect(launchArgs(spec)).not.toContain("--api-key-file");
    expect(launchEnv(spec).HI_API_KEY_FILE).toBe("");
  });

  it("renders the same values as the boot script's environment", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 4, memoryGiB: 16, physicalCores: 4 }, model, inference, apiKey: true, host: "127.0.0.1", modelDir: "/tmp/m" });
    expect(launchEnv(spec)).toMatchObject({ HI_HOST: "127.0.0.1", HI_THREADS: "4", HI_THREADS_BATCH: "4", HI_POLL: "", HI_PARALLEL: "4", HI_CTX_SIZE: "16384", HI_MODEL_PATH: "/tmp/m/q.gguf", HI_METRICS: "1" });
  });

  it("sizes memory from weights plus the KV cache of every slot", () => {
    const m = { sizeBytes: 1024 ** 3, kvBytesPerToken: 131072 };
    const one = memoryRequiredGiB(m, 4096, 1);
    const four = memoryRequiredGiB(m, 4096, 4);
    expect(four - one).toBeCloseTo((3 * 4096 * 131072) / 1024 ** 3 / 0.9, 6);
  });
});
