/**
 * The S3 emulator the local stacks and the benchmarks fetch from: in this process or in one of its own (what the
 * cold-start benchmark uses, so its polling never shares the store's event loop). Either way the real rclone puts
 * and reads an object, and stop() leaves no process and no directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rclone, rcloneS3Remote, startModelStore } from "../../../local/cloud/model-store";
import { freePort } from "../../../local/stack/ports";
import { processesMentioning } from "../../helpers/processes";

const work = mkdtempSync(path.join(tmpdir(), "hi-store-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([false, true])("the model store (own process: %s)", (ownProcess) => {
  it("takes an object from rclone and serves it back byte for byte; stop() leaves no process and no directory", async () => {
    const src = path.join(work, `in-${ownProcess}.bin`);
    writeFileSync(src, Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
    const store = await startModelStore({ ownProcess, bucket: "b-test" });
    try {
      await store.put(src, "models/x.bin");
      const out = path.join(work, `out-${ownProcess}.bin`);
      // rclone runs asynchronously: the store in this process serves from this event loop.
      await rclone(["copyto", "--stats", "0", `${rcloneS3Remote(store.endpoint)}b-test/models/x.bin`, out], store.env);
      expect(readFileSync(out).equals(readFileSync(src))).toBe(true);
      expect(processesMentioning(store.dir).length).toBe(ownProcess ? 1 : 0);
    } finally {
      await store.stop();
    }
    expect(existsSync(store.dir)).toBe(false);
    expect(processesMentioning(store.dir)).toEqual([]);
    await expect(fetch(store.endpoint)).rejects.toThrow();
  });
});

it("a store whose process cannot serve fails to start with the reason, and leaves no directory", async () => {
  const stores = () => readdirSync(tmpdir()).filter((n) => n.startsWith("hi-s3-"));
  const before = new Set(stores());
  const blocker = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
  try {
    await expect(startModelStore({ ownProcess: true, port })).rejects.toThrow(/S3 emulator's process exited with code 1 before serving: .*EADDRINUSE/s);
  } finally {
    blocker.close();
  }
  expect(stores().filter((n) => !before.has(n))).toEqual([]);
});
