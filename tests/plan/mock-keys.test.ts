/** The mock providers' key material: the same seed makes the same bytes, another seed other bytes, and every key and signature is valid. */
import { createPublicKey, sign, verify, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ecKey, ed25519Key, rsaKey, seedOf } from "../../plan/mock-keys";
import { dayEpoch, serviceAccountKey, tlsOutputs } from "../../plan/mock-tls";

const pem = (k: { export(o: { type: "pkcs8"; format: "pem" }): string | Buffer }) => k.export({ type: "pkcs8", format: "pem" }).toString();

describe("keys from a seed", () => {
  it("makes the same EC, Ed25519 and RSA keys from the same seed and different ones from another", () => {
    for (const make of [(s: Buffer) => ecKey("P-256", s), (s: Buffer) => ecKey("P-384", s), (s: Buffer) => ed25519Key(s), (s: Buffer) => rsaKey(1024, s)]) {
      expect(pem(make(seedOf("a")))).toBe(pem(make(seedOf("a"))));
      expect(pem(make(seedOf("a")))).not.toBe(pem(make(seedOf("b"))));
    }
  });

  it("makes an RSA key OpenSSL accepts, of the size asked for, whose signatures verify", () => {
    const key = rsaKey(2048, seedOf("rsa"));
    expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    const sig = sign("sha256", Buffer.from("x"), key);
    expect(verify("sha256", Buffer.from("x"), createPublicKey(key), sig)).toBe(true);
  });

  it("seeds ignore object key order but not values", () => {
    expect(seedOf({ a: 1, b: [1, { c: 2, d: 3 }] }).equals(seedOf({ b: [1, { d: 3, c: 2 }], a: 1 }))).toBe(true);
    expect(seedOf({ a: 1 }).equals(seedOf({ a: 2 }))).toBe(false);
  });
});

describe("the tls mock under a fixed epoch", () => {
  const epoch = new Date("2026-03-01T00:00:00Z");
  const chain = async (seed: string) => {
    const key = await tlsOutputs("tls:index/privateKey:PrivateKey", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { seed: seedOf(seed, "key"), epoch });
    const ca = await tlsOutputs("tls:index/selfSignedCert:SelfSignedCert", {
      privateKeyPem: key?.privateKeyPem, subject: { commonName: "ca" }, isCaCertificate: true, validityPeriodHours: 24, allowedUses: ["cert_signing"],
    }, { seed: seedOf(seed, "ca"), epoch });
    return { key, ca };
  };

  it("makes byte-identical keys and certificates in two runs, dated at the epoch, with a valid signature", async () => {
    const [a, b] = [await chain("s"), await chain("s")];
    expect(a.ca?.certPem).toBe(b.ca?.certPem);
    expect(a.key?.privateKeyPem).toBe(b.key?.privateKeyPem);
    const cert = new X509Certificate(String(a.ca?.certPem));
    expect(new Date(cert.validFrom).toISOString()).toBe(epoch.toISOString());
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect((await chain("t")).ca?.certPem).not.toBe(a.ca?.certPem);
  });

  it("dates a default run at the start of the UTC day", () => {
    expect(dayEpoch(new Date("2026-12-07T23:59:59.999Z")).toISOString()).toBe("2026-12-07T00:00:00.000Z");
  });

  it("makes the same service-account key file twice", async () => {
    const ctx = { seed: seedOf("sa"), epoch };
    const [a, b] = [await serviceAccountKey("p", "pub@p.iam.gserviceaccount.com", "0123456789abcdef0123", ctx), await serviceAccountKey("p", "pub@p.iam.gserviceaccount.com", "0123456789abcdef0123", ctx)];
    expect(a).toEqual(b);
  });
});
