/** The generated test model, cached by its options and the vocab it copies, with its sha256. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { cacheRoot, ensureLlamaSource, readSourceFile } from "./llama-build";
import { DEFAULT_TINY_MODEL, generateTinyModel, sha256, type TinyModelOptions, VOCAB_FILE } from "./tiny-model";

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
    const buf = generateTinyModel(readSourceFile(src, VOCAB_FILE), o);
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, buf);
    renameSync(tmp, target);
  }
  const buf = readFileSync(target);
  return { path: target, file, sha256: sha256(buf), sizeBytes: buf.length, name: o.name };
}
