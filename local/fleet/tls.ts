/**
 * Certificates for the local fleet, made with the openssl CLI in a directory the caller removes: a private CA that
 * signs the burst endpoints' certificates (the cloud pools use a private CA too), and the router's self-signed one.
 * Keys are EC P-256 and valid for a day: nothing here outlives the run.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", (e) => reject(new Error(`openssl is not installed (scripts/setup-machine.sh installs it): ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} failed (${code}): ${err.trim()}`))));
  });
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

export interface LocalCa {
  /** The CA certificate: what a client verifies with (HAProxy's ca-file). */
  cert: string;
  key: string;
}

/** A certificate and its key, and both in one file (what HAProxy's `crt` reads). */
export interface IssuedCert {
  cert: string;
  key: string;
  pem: string;
}

/** Subject alternative names: host names, and IP addresses written as IP:a.b.c.d. */
function sanList(names: readonly string[]): string {
  if (names.length === 0) throw new Error("a certificate needs at least one name");
  return names.map((n) => (n.startsWith("IP:") ? n : `DNS:${n}`)).join(",");
}

function combine(cert: string, key: string, pem: string): IssuedCert {
  writeFileSync(pem, `${readFileSync(cert, "utf8")}${readFileSync(key, "utf8")}`, { mode: 0o600 });
  return { cert, key, pem };
}

export async function createLocalCa(dir: string, commonName: string): Promise<LocalCa> {
  const cert = path.join(dir, "ca.pem");
  const key = path.join(dir, "ca.key");
  await openssl(["req", "-x509", ...KEY, "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${commonName}`]);
  return { cert, key };
}

/** A server certificate for `names`, signed by the CA. */
export async function issueCert(ca: LocalCa, dir: string, file: string, names: readonly string[]): Promise<IssuedCert> {
  const cert = path.join(dir, `${file}.pem`);
  const key = path.join(dir, `${file}.key`);
  const csr = path.join(dir, `${file}.csr`);
  const ext = path.join(dir, `${file}.ext`);
  writeFileSync(ext, `subjectAltName=${sanList(names)}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await openssl(["req", ...KEY, "-keyout", key, "-out", csr, "-subj", `/CN=${names[0]}`]);
  await openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "1", "-extfile", ext]);
  return combine(cert, key, path.join(dir, `${file}.crt`));
}

/** A self-signed certificate for `names`: the client trusts this one certificate (curl --cacert, NODE_EXTRA_CA_CERTS). */
export async function selfSignedCert(dir: string, file: string, names: readonly string[]): Promise<IssuedCert> {
  const cert = path.join(dir, `${file}.pem`);
  const key = path.join(dir, `${file}.key`);
  await openssl(["req", "-x509", ...KEY, "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${sanList(names)}`]);
  return combine(cert, key, path.join(dir, `${file}.crt`));
}
