/** The generated test model, cached by its options and the vocab it copies, with its sha256. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { cacheRoot, ensureLlamaSource, readSourceFile, sha256File } from "./llama-build";
import { DEFAULT_TINY_MODEL, type TinyModelOptions, VOCAB_FILE, writeTinyModel } from "./tiny-model";

export interface TestModel {
  path: string;
  file: string;
  sha256: string;
  sizeBytes: number;
  name: string;
}

export async function ensureTestModel(o: TinyModelOptions = DEFAULT_TINY_MODEL): Promise<TestModel> {
  const src = await ensureLlamaSource();
  const key = createHash("sha256").update(JSON.stringify(o)).update(src.bundleSha256).digest("hex").slice(0, 16);
  const file = `${o.name}-${key}.gguf`;
  const dir = path.join(cacheRoot(), "models");
  const target = path.join(dir, file);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    // Written one tensor at a time, so a large model never sits in memory whole.
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      writeTinyModel(tmp, readSourceFile(src, VOCAB_FILE), o);
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return { path: target, file, sha256: await sha256File(target), sizeBytes: statSync(target).size, name: o.name };
}
