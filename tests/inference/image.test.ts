import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { launchEnv } from "../../infra/inference/launch";
import { deriveLaunchSpec } from "../../infra/inference/launch";
import release from "../../inference-image/llama-release.json";
import { ensureLlamaSource } from "../../local/toolchain/llama-build";
import { ROOT } from "../helpers/paths";
import { shellcheck } from "../helpers/tools";

const dockerfile = readFileSync(path.join(ROOT, "inference-image/Dockerfile"), "utf8");
const instruction = (name: string) => dockerfile.split("\n").filter((l) => l.startsWith(`${name} `));

describe("the inference image", () => {
  it("is based on the official llama.cpp server image at the release the local stack builds", async () => {
    const src = await ensureLlamaSource();
    expect(release.llamaCppTag).toBe(src.tag);
    expect(instruction("FROM")).toEqual([`FROM ${release.serverImage}`]);
    expect(release.serverImage).toBe(`ghcr.io/ggml-org/llama.cpp:server-${src.tag}`);
  });

  it("runs the boot path as its entrypoint, as a non-root user, with the upstream /health check", () => {
    expect(instruction("ENTRYPOINT")).toEqual(['ENTRYPOINT [ "/opt/hybrid-inference/boot.sh" ]']);
    const user = instruction("USER")[0]?.split(" ")[1];
    expect(user).toBeDefined();
    expect(["0", "root"]).not.toContain(user);
    expect(instruction("HEALTHCHECK")[0]).toContain("http://127.0.0.1:8080/health");
    for (const f of ["boot/boot.sh", "boot/spot-watcher.sh"]) expect(instruction("COPY").join(" ")).toContain(f);
  });

  it("defaults to the launch spec's port, host and metrics", () => {
    const spec = deriveLaunchSpec({ instance: { vcpu: 2, memoryGiB: 16, physicalCores: 2 }, model: { name: "m", file: "model.gguf" }, inference: { port: 8080, ctxPerSlot: 4096, metrics: true }, apiKey: false });
    const env = launchEnv(spec);
    for (const k of ["HI_HOST", "HI_PORT", "HI_METRICS", "HI_MODEL_PATH"] as const) expect(dockerfile).toMatch(new RegExp(`${k}=${env[k]}\\b`));
    expect(dockerfile).toContain(`EXPOSE ${spec.port}`);
  });

  it("installs what the boot path calls: rclone, openssl, curl, iptables, ss", () => {
    const run = instruction("RUN").join(" ") + dockerfile;
    for (const pkg of ["rclone", "openssl", "curl", "iptables", "iproute2"]) expect(run).toContain(pkg);
  });
});

describe("every shell script", () => {
  const scripts = [
    ...readdirSync(path.join(ROOT, "inference-image/boot")).map((f) => `inference-image/boot/${f}`),
    ...readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".sh")).map((f) => `scripts/${f}`),
    ".ci/run",
  ];
  it.each(scripts)("%s passes shellcheck", (file) => {
    const r = shellcheck(readFileSync(path.join(ROOT, file), "utf8"));
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });
});
