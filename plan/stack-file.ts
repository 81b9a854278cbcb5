/**
 * Reads `Pulumi.<stack>.yaml` the way the engine hands config to the program: fully qualified keys, string
 * values (objects and arrays as JSON). Encrypted `secure:` values cannot be decrypted offline; they become
 * stand-ins that the program still receives as secrets.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, parse, parseDocument } from "yaml";
import { parseStackConfig } from "../infra/config";
import { rawConfig } from "../infra/stack-config";

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export interface StackFile {
  stack: string;
  path: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Secret keys given stand-in values because the file holds them encrypted, or does not hold them. */
  standIns: string[];
}

/**
 * The offline value of a secret. For one the file holds encrypted it names the ciphertext's hash, so a rotated secret
 * (a new ciphertext) is a new value to the update plan, as the real one is to the real engine.
 */
export function standInSecret(key: string, ciphertext?: string): string {
  const base = `offline-stand-in-for-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
  return ciphertext === undefined ? base : `${base}-${createHash("sha256").update(ciphertext).digest("hex").slice(0, 12)}`;
}

export function stackFilePath(root: string, stack: string): string {
  return path.join(root, `Pulumi.${stack}.yaml`);
}

/** Lists the stacks that have a file in the project root. */
export function listStacks(root: string): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function readStackFile(root: string, stack: string, requiredSecrets: string[] = []): StackFile {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError(`stack name "${stack}" is not valid; allowed: letters, digits, '.', '_' and '-'`);
  const file = stackFilePath(root, stack);
  if (!existsSync(file)) {
    const known = listStacks(root);
    throw new StackFileError(`no stack file ${path.basename(file)}; known stacks: ${known.join(", ") || "none"}`);
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(e as Error).message}`);
  }
  const cfg = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const standIns: string[] = [];
  for (const [key, value] of Object.entries(cfg)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[key] = standInSecret(key, String((value as { secure: unknown }).secure));
      secretKeys.push(key);
      standIns.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  for (const key of requiredSecrets) {
    if (!(key in config)) {
      config[key] = standInSecret(key);
      secretKeys.push(key);
      standIns.push(key);
    }
  }
  return { stack, path: file, config, secretKeys, standIns };
}

/**
 * Writes a new node image reference into a stack file's hybrid-inference:inference.image, keeping every comment
 * and the rest of the file as it is. The image workflow uses it to pin the digest it pushed.
 */
export function pinImage(root: string, stack: string, image: string): { before: string; after: string } {
  const file = stackFilePath(root, stack);
  if (!existsSync(file)) throw new StackFileError(`no stack file ${path.basename(file)}`);
  const text = readFileSync(file, "utf8");
  const key = "hybrid-inference:inference";
  const inference = parseDocument(text).getIn(["config", key], true);
  const scalar = isMap(inference) ? inference.get("image", true) : undefined;
  if (!isScalar(scalar) || !scalar.range || typeof scalar.value !== "string") throw new StackFileError(`${path.basename(file)} has no ${key}.image`);
  if (!/^[A-Za-z0-9.:/@_-]+$/.test(image)) throw new StackFileError(`image reference ${JSON.stringify(image)} has characters no image reference holds`);
  // Only the value's characters change: comments, layout and every other line stay exactly as written.
  const [start, end] = scalar.range;
  const after = `${text.slice(0, start)}${image}${text.slice(end)}`;
  writeFileSync(file, after);
  return { before: scalar.value, after };
}

/** Pins the image, then checks the stack's config still parses (a digest, a valid reference); restores the file if not. */
export function pinImageChecked(root: string, stack: string, image: string): { before: string } {
  const { before } = pinImage(root, stack, image);
  try {
    parseStackConfig(rawConfig(readStackFile(root, stack).config));
  } catch (e) {
    pinImage(root, stack, before);
    throw e;
  }
  return { before };
}
