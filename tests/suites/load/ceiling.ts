/** The runner's own ceiling: the same generator against a loopback stub in another process. */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { once } from "node:events";
import { Http } from "../http";
import { loadFigures, runLoad } from "./generator";

export const CEILING_USERS = 32;

export async function measureCeiling(durationMs = 2000): Promise<{ rps: number; requests: number; errors: number }> {
  const stub = spawn(process.execPath, [path.join(__dirname, "loopback-stub.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = (await once(stub.stdout, "data")) as [Buffer];
    const http = new Http(`http://127.0.0.1:${line.toString().trim()}`, undefined, CEILING_USERS);
    try {
      const s = await runLoad(http, "stub", { users: CEILING_USERS, durationMs, maxTokens: 3 });
      return { rps: Math.round(loadFigures(s).requests_per_second), requests: s.requests, errors: s.errors };
    } finally {
      await http.close();
    }
  } finally {
    stub.kill("SIGTERM");
  }
}
