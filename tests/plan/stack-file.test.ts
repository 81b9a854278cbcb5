import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config";
import { rawConfig } from "../../infra/stack-config";
import { pinImageChecked, readStackFile } from "../../plan/stack-file";
import { ROOT } from "../helpers/paths";

function copyOfStaging(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pin-"));
  copyFileSync(path.join(ROOT, "Pulumi.staging.yaml"), path.join(dir, "Pulumi.staging.yaml"));
  return dir;
}

describe("pinning the node image in a stack file (what the image workflow runs)", () => {
  const ref = `ghcr.io/acme-platform/hybrid-inference-server:v0.5.0-0.2.0@sha256:${"b".repeat(64)}`;

  it("writes the new reference and keeps every comment and other line", () => {
    const dir = copyOfStaging();
    const original = readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    pinImageChecked(dir, "staging", ref);
    const after = readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    expect(parseStackConfig(rawConfig(readStackFile(dir, "staging").config)).inference.image).toBe(ref);
    const changed = after.split("\n").filter((l, i) => l !== original.split("\n")[i]);
    expect(changed).toEqual([`    image: ${ref}`]);
  });

  it("refuses a reference without a digest and leaves the file as it was", () => {
    const dir = copyOfStaging();
    const original = readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    expect(() => pinImageChecked(dir, "staging", "ghcr.io/acme-platform/hybrid-inference-server:v0.5.0-0.2.0")).toThrow(/must be pinned by digest/);
    expect(readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")).toBe(original);
  });
});
