/** Runs the real `haproxy -c` on a rendered config, with the files it names laid out in a temporary directory. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface HaproxyCheck {
  status: number;
  /** Alerts and warnings, one per line, without the notices. */
  problems: string[];
}

/** A throwaway self-signed CA certificate (openssl), for configs whose ca-file must load. */
export function throwawayCa(dir: string, commonName = "test CA"): string {
  const key = path.join(dir, "ca.key");
  const cert = path.join(dir, "ca.pem");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${commonName}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return cert;
}

/**
 * Checks a config as HAProxy would load it. `files` maps the absolute paths the config names to their contents;
 * they are written under a temporary root and the config is pointed there.
 */
export function haproxyCheck(config: string, files: Record<string, string> = {}): HaproxyCheck {
  const dir = mkdtempSync(path.join(tmpdir(), "haproxy-check-"));
  let text = config;
  for (const [abs, content] of Object.entries(files)) {
    const local = path.join(dir, abs.replace(/\//g, "_"));
    writeFileSync(local, content);
    text = text.split(abs).join(local);
  }
  text = text.replace(/stats socket \S+/, `stats socket ${path.join(dir, "admin.sock")}`);
  const cfg = path.join(dir, "haproxy.cfg");
  writeFileSync(cfg, text);
  const r = spawnSync("haproxy", ["-c", "-f", cfg], { encoding: "utf8" });
  if (r.error) throw new Error(`haproxy is not installed (scripts/setup-machine.sh installs it): ${r.error.message}`);
  const problems = `${r.stdout}${r.stderr}`.split("\n").filter((l) => /\[(ALERT|WARNING)\]/.test(l));
  return { status: r.status ?? -1, problems };
}
