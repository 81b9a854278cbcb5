/**
 * Key material for the mock providers, derived from a seed (the resource's URN and inputs): two runs of the same
 * program make the same keys, requests and certificates, as a cloud keeps what a first `up` made until a change
 * replaces it. The update plan compares runs byte for byte, so nothing here may draw on chance or the clock.
 * ECDSA signatures are deterministic (RFC 6979, @noble/curves); RSA PKCS#1 v1.5 signatures are by nature.
 */
import { checkPrimeSync, createECDH, createHash, createHmac, createPrivateKey, type KeyObject, webcrypto } from "node:crypto";
import { p256 } from "@noble/curves/p256";
import { p384, p521 } from "@noble/curves/nist";

/** A seed from the parts that decide an output (stable JSON: object keys sorted). */
export function seedOf(...parts: unknown[]): Buffer {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]))
    : v;
  return createHash("sha256").update(JSON.stringify(parts.map(stable))).digest();
}

/** An HMAC-SHA256 counter-mode byte stream from a seed (the shape of NIST SP 800-108's KDF in counter mode). */
export class SeededBytes {
  private counter = 0;
  constructor(private readonly seed: Buffer) {}
  next(n: number): Buffer {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = createHmac("sha256", this.seed).update(String(this.counter++)).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, n);
  }
}

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString("hex")}`));
function toBytes(n: bigint, length?: number): Buffer {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  const b = Buffer.from(h, "hex");
  return length === undefined || b.length >= length ? b : Buffer.concat([Buffer.alloc(length - b.length), b]);
}
const b64u = (n: bigint, length?: number) => toBytes(n, length).toString("base64url");

const P224_ORDER = 0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3dn; // SEC 2 v2, 2.4.2
const CURVES = {
  "P-224": { ecdh: "secp224r1", n: P224_ORDER, noble: undefined, bytes: 28 },
  "P-256": { ecdh: "prime256v1", n: p256.CURVE.n, noble: p256, bytes: 32 },
  "P-384": { ecdh: "secp384r1", n: p384.CURVE.n, noble: p384, bytes: 48 },
  "P-521": { ecdh: "secp521r1", n: p521.CURVE.n, noble: p521, bytes: 66 },
} as const;
export type Curve = keyof typeof CURVES;

/** An ECDSA key on a NIST curve: a scalar in [1, n-1] from the seed, its public point from OpenSSL. */
export function ecKey(curve: Curve, seed: Buffer): KeyObject {
  const c = CURVES[curve];
  const n = c.n;
  const d = (toBig(new SeededBytes(seed).next(c.bytes + 16)) % (n - 1n)) + 1n;
  const ecdh = createECDH(c.ecdh);
  ecdh.setPrivateKey(toBytes(d, c.bytes));
  const pub = ecdh.getPublicKey(); // 0x04 || x || y
  const x = pub.subarray(1, 1 + c.bytes).toString("base64url");
  const y = pub.subarray(1 + c.bytes).toString("base64url");
  return createPrivateKey({ key: { kty: "EC", crv: curve, x, y, d: b64u(d, c.bytes) }, format: "jwk" });
}

/** An Ed25519 key: its 32-byte private seed wrapped in PKCS#8 (RFC 8410). */
export function ed25519Key(seed: Buffer): KeyObject {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, new SeededBytes(seed).next(32)]), format: "der", type: "pkcs8" });
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("no modular inverse");
  return ((s0 % m) + m) % m;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const SMALL_PRIMES = (() => {
  const out: bigint[] = [];
  for (let i = 3; out.length < 400; i += 2) if (out.every((p) => BigInt(i) % p !== 0n)) out.push(BigInt(i));
  return out;
})();

/** Trial division by small primes, then OpenSSL's Miller-Rabin (a composite passes with probability below 2^-80). */
function probablyPrime(n: bigint): boolean {
  for (const p of SMALL_PRIMES) if (n % p === 0n) return n === p;
  return checkPrimeSync(n);
}

function prime(bits: number, bytes: SeededBytes, e: bigint): bigint {
  for (;;) {
    let c = toBig(bytes.next(bits / 8));
    c |= (3n << BigInt(bits - 2)) | 1n; // top two bits set: p*q has exactly 2*bits bits
    if (probablyPrime(c) && gcd(c - 1n, e) === 1n) return c;
  }
}

/** An RSA key (e = 65537) of `bits` from the seed. */
export function rsaKey(bits: number, seed: Buffer): KeyObject {
  if (bits % 16 !== 0 || bits < 1024) throw new Error(`rsa: ${bits} bits is not a multiple of 16 of at least 1024`);
  const bytes = new SeededBytes(seed);
  const e = 65537n;
  let p = prime(bits / 2, bytes, e);
  let q = prime(bits / 2, bytes, e);
  while (p === q) q = prime(bits / 2, bytes, e);
  if (p < q) [p, q] = [q, p];
  const n = p * q;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(e, lambda);
  const jwk = { kty: "RSA", n: b64u(n), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) };
  return createPrivateKey({ key: jwk, format: "jwk" });
}

type Subtle = typeof webcrypto.subtle;
type SignAlgorithm = Parameters<Subtle["sign"]>[0];
type SignKey = Parameters<Subtle["sign"]>[1];
type SignData = Parameters<Subtle["sign"]>[2];

const HASHES: Record<string, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

/** WebCrypto's subtle with ECDSA signing made deterministic (RFC 6979); everything else is Node's own. */
export function deterministicSubtle(): Subtle {
  const subtle = webcrypto.subtle;
  const sign = async (algorithm: SignAlgorithm, key: SignKey, data: SignData): Promise<ArrayBuffer> => {
    const name = typeof algorithm === "string" ? algorithm : algorithm.name;
    if (name.toUpperCase() !== "ECDSA") return subtle.sign(algorithm, key, data);
    const params = algorithm as webcrypto.EcdsaParams;
    const hashName = typeof params.hash === "string" ? params.hash : params.hash.name;
    const hash = HASHES[hashName.toUpperCase()];
    if (!hash) throw new Error(`ecdsa: hash ${hashName} is not supported`);
    const jwk = await subtle.exportKey("jwk", key);
    const curve = CURVES[jwk.crv as Curve];
    if (!curve?.noble || !jwk.d) throw new Error(`ecdsa: curve ${String(jwk.crv)} is not supported`);
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const digest = createHash(hash).update(bytes).digest();
    const sig = curve.noble.sign(digest, Buffer.from(jwk.d, "base64url"), { lowS: false }).toCompactRawBytes();
    return sig.buffer.slice(sig.byteOffset, sig.byteOffset + sig.byteLength) as ArrayBuffer;
  };
  return new Proxy(subtle, {
    get(target, prop) {
      if (prop === "sign") return sign;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
