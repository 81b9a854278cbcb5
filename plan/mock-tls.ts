/**
 * The tls provider under the mock runtime, computed as the provider computes it: the provider never calls a cloud,
 * so the mock makes real keys, requests and certificates. What the program hands to a load balancer, a router or a
 * trust store is then a certificate with exactly the subject, names and uses the program asked for, and a check (a
 * provider rule, HAProxy's verifyhost in the local fleet) reads the same bytes a cloud would receive.
 * Shapes follow hashicorp/terraform-provider-tls (internal/provider/resource_private_key.go, resource_cert_request.go,
 * resource_self_signed_cert.go, resource_locally_signed_cert.go, common_cert.go): ECDSA keys as SEC1 "EC PRIVATE
 * KEY" PEM, RSA as PKCS#1; a signed certificate takes its subject and names from the request; allowed_uses map to
 * the key usage and extended key usage extensions.
 */
// @peculiar/x509 resolves its ASN.1 and crypto services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { type Curve, deterministicSubtle, ecKey, ed25519Key, rsaKey, SeededBytes } from "./mock-keys";

type WebCrypto = typeof webcrypto;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type ImportParams = webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
const subtle: WebCrypto["subtle"] = deterministicSubtle();
// @peculiar/x509 takes the DOM's Crypto; Node's webcrypto is that API (the project does not load the DOM types).
x509.cryptoProvider.set({ subtle, getRandomValues: webcrypto.getRandomValues.bind(webcrypto) } as unknown as X509Crypto);

type State = Record<string, unknown>;

/** What decides an output besides the inputs: the resource's seed (from its URN and inputs) and the clock of the run. */
export interface MockContext {
  seed: Buffer;
  /** "Now" for certificate validity: one instant for the whole run, so two runs can agree. */
  epoch: Date;
}

/** The default epoch: the start of the current UTC day (certificates are valid today; runs on one day agree). */
export function dayEpoch(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export class MockTlsError extends Error {
  override name = "MockTlsError";
}

const KEY_USAGE: Record<string, x509.KeyUsageFlags> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const EXT_KEY_USAGE: Record<string, string> = {
  server_auth: x509.ExtendedKeyUsage.serverAuth,
  client_auth: x509.ExtendedKeyUsage.clientAuth,
  code_signing: x509.ExtendedKeyUsage.codeSigning,
  email_protection: x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  ocsp_signing: x509.ExtendedKeyUsage.ocspSigning,
};

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** A tls_private_key as the provider returns it. */
function privateKeyOutputs(inputs: State, ctx: MockContext): State {
  const algorithm = text(inputs.algorithm) ?? "RSA";
  let key: { privateKey: KeyObject; publicKey: KeyObject };
  let privateKeyPem: string;
  if (algorithm === "ECDSA") {
    const named = text(inputs.ecdsaCurve) ?? "P224";
    if (!["P224", "P256", "P384", "P521"].includes(named)) throw new MockTlsError(`tls: ecdsa_curve ${named} is not one of P224, P256, P384, P521`);
    const privateKey = ecKey(`P-${named.slice(1)}` as Curve, ctx.seed);
    key = { privateKey, publicKey: createPublicKey(privateKey) };
    privateKeyPem = key.privateKey.export({ type: "sec1", format: "pem" }).toString();
  } else if (algorithm === "RSA") {
    const privateKey = rsaKey(Number(inputs.rsaBits ?? 2048), ctx.seed);
    key = { privateKey, publicKey: createPublicKey(privateKey) };
    privateKeyPem = key.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  } else if (algorithm === "ED25519") {
    const privateKey = ed25519Key(ctx.seed);
    key = { privateKey, publicKey: createPublicKey(privateKey) };
    privateKeyPem = key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  } else {
    throw new MockTlsError(`tls: algorithm ${algorithm} is not one of RSA, ECDSA, ED25519`);
  }
  return {
    algorithm,
    privateKeyPem,
    privateKeyPemPkcs8: key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** The WebCrypto algorithm that signs with a key of this type (SHA-256, as the provider's x509 package picks). */
function signing(key: KeyObject): { alg: ImportParams; sign: Algorithm | EcdsaParams } {
  const type = key.asymmetricKeyType;
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === "prime256v1" ? "P-256" : curve === "secp384r1" ? "P-384" : curve === "secp521r1" ? "P-521" : undefined;
    if (!namedCurve) throw new MockTlsError(`tls: ECDSA curve ${curve} is not supported by the mock`);
    return { alg: { name: "ECDSA", namedCurve }, sign: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams };
  }
  if (type === "rsa") return { alg: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } };
  throw new MockTlsError(`tls: a ${type} key cannot sign in the mock`);
}

function readPrivateKey(pem: unknown, field: string): KeyObject {
  try {
    return createPrivateKey(String(pem));
  } catch (e) {
    throw new MockTlsError(`tls: ${field} is not a PEM private key: ${(e as Error).message}`);
  }
}

async function webKeys(privateKey: KeyObject): Promise<{ pair: CryptoKeyPair; sign: Algorithm | EcdsaParams }> {
  const { alg, sign } = signing(privateKey);
  const priv = await subtle.importKey("pkcs8", privateKey.export({ type: "pkcs8", format: "der" }), alg, true, ["sign"]);
  const pub = await subtle.importKey("spki", createPublicKey(privateKey).export({ type: "spki", format: "der" }), alg, true, ["verify"]);
  return { pair: { privateKey: priv, publicKey: pub }, sign };
}

/** The provider's subject block as a distinguished name, in its field order. */
function subjectName(subject: unknown): x509.JsonName {
  const s = (subject ?? {}) as State;
  const fields: Array<[string, string]> = [
    ["CN", "commonName"], ["O", "organization"], ["OU", "organizationalUnit"], ["STREET", "streetAddresses"],
    ["L", "locality"], ["ST", "province"], ["C", "country"], ["postalCode", "postalCode"], ["serialNumber", "serialNumber"],
  ];
  const name: x509.JsonName = [];
  for (const [attr, key] of fields) {
    const v = s[key];
    const values = Array.isArray(v) ? strings(v) : typeof v === "string" && v !== "" ? [v] : [];
    if (values.length > 0) name.push({ [attr]: values });
  }
  return name;
}

function sanExtension(dnsNames: string[], ipAddresses: string[], uris: string[]): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ...uris.map((value) => ({ type: "url" as const, value })),
  ];
  return names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

function usageExtensions(allowedUses: string[], isCa: boolean): x509.Extension[] {
  let flags = 0;
  const ext: string[] = [];
  for (const use of allowedUses) {
    if (use in KEY_USAGE) flags |= KEY_USAGE[use] as number;
    else if (use in EXT_KEY_USAGE) ext.push(EXT_KEY_USAGE[use] as string);
    else if (use !== "any_extended") throw new MockTlsError(`tls: allowed_uses holds ${use}, which the provider does not know`);
  }
  return [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    ...(flags ? [new x509.KeyUsagesExtension(flags, true)] : []),
    ...(ext.length ? [new x509.ExtendedKeyUsageExtension(ext, false)] : []),
  ];
}

function validity(inputs: State, now: Date): { notBefore: Date; notAfter: Date; state: State } {
  const hours = Number(inputs.validityPeriodHours);
  if (!(hours > 0)) throw new MockTlsError(`tls: validity_period_hours must be a positive number (got ${String(inputs.validityPeriodHours)})`);
  const notAfter = new Date(now.getTime() + hours * 3_600_000);
  const early = Number(inputs.earlyRenewalHours ?? 0);
  return {
    notBefore: now,
    notAfter,
    state: {
      validityStartTime: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      validityEndTime: notAfter.toISOString().replace(/\.\d{3}Z$/, "Z"),
      readyForRenewal: notAfter.getTime() - early * 3_600_000 <= now.getTime(),
    },
  };
}

/** A positive 128-bit serial from the seed (the provider draws 128 random bits). */
const serial = (ctx: MockContext) => `01${new SeededBytes(ctx.seed).next(15).toString("hex")}`;

async function certRequestOutputs(inputs: State): Promise<State> {
  const key = readPrivateKey(inputs.privateKeyPem, "private_key_pem");
  const { pair, sign } = await webKeys(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(inputs.subject),
    keys: pair,
    signingAlgorithm: sign,
    extensions: sanExtension(strings(inputs.dnsNames), strings(inputs.ipAddresses), strings(inputs.uris)),
  });
  return { certRequestPem: `${csr.toString("pem")}\n`, keyAlgorithm: key.asymmetricKeyType === "ec" ? "ECDSA" : "RSA" };
}

async function selfSignedOutputs(inputs: State, ctx: MockContext): Promise<State> {
  const key = readPrivateKey(inputs.privateKeyPem, "private_key_pem");
  const { pair, sign } = await webKeys(key);
  const isCa = inputs.isCaCertificate === true;
  const v = validity(inputs, ctx.epoch);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(ctx),
    name: subjectName(inputs.subject),
    notBefore: v.notBefore,
    notAfter: v.notAfter,
    keys: pair,
    signingAlgorithm: sign,
    extensions: [
      ...usageExtensions(strings(inputs.allowedUses), isCa),
      ...sanExtension(strings(inputs.dnsNames), strings(inputs.ipAddresses), strings(inputs.uris)),
      await x509.SubjectKeyIdentifierExtension.create(pair.publicKey),
    ],
  });
  return { certPem: `${cert.toString("pem")}\n`, keyAlgorithm: key.asymmetricKeyType === "ec" ? "ECDSA" : "RSA", ...v.state };
}

async function locallySignedOutputs(inputs: State, ctx: MockContext): Promise<State> {
  let csr: x509.Pkcs10CertificateRequest;
  let ca: x509.X509Certificate;
  try {
    csr = new x509.Pkcs10CertificateRequest(String(inputs.certRequestPem));
  } catch (e) {
    throw new MockTlsError(`tls: cert_request_pem is not a PEM certificate request: ${(e as Error).message}`);
  }
  try {
    ca = new x509.X509Certificate(String(inputs.caCertPem));
  } catch (e) {
    throw new MockTlsError(`tls: ca_cert_pem is not a PEM certificate: ${(e as Error).message}`);
  }
  const caKey = readPrivateKey(inputs.caPrivateKeyPem, "ca_private_key_pem");
  const { pair, sign } = await webKeys(caKey);
  // The provider refuses a CA key that does not match the CA certificate.
  const caPublic = Buffer.from(await subtle.exportKey("spki", pair.publicKey));
  if (!caPublic.equals(Buffer.from(ca.publicKey.rawData))) throw new MockTlsError("tls: ca_private_key_pem does not match the public key of ca_cert_pem");
  const isCa = inputs.isCaCertificate === true;
  const v = validity(inputs, ctx.epoch);
  const san = csr.getExtension("2.5.29.17"); // subjectAltName
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(ctx),
    subject: csr.subject,
    issuer: ca.subject,
    notBefore: v.notBefore,
    notAfter: v.notAfter,
    publicKey: csr.publicKey,
    signingKey: pair.privateKey,
    signingAlgorithm: sign,
    extensions: [...usageExtensions(strings(inputs.allowedUses), isCa), ...(san ? [san] : []), await x509.AuthorityKeyIdentifierExtension.create(pair.publicKey)],
  });
  return { certPem: `${cert.toString("pem")}\n`, caKeyAlgorithm: caKey.asymmetricKeyType === "ec" ? "ECDSA" : "RSA", ...v.state };
}

/** The provider's outputs for a tls resource; `undefined` for types the provider does not have. */
export async function tlsOutputs(type: string, inputs: State, ctx: MockContext): Promise<State | undefined> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return privateKeyOutputs(inputs, ctx);
    case "tls:index/certRequest:CertRequest":
      return certRequestOutputs(inputs);
    case "tls:index/selfSignedCert:SelfSignedCert":
      return selfSignedOutputs(inputs, ctx);
    case "tls:index/locallySignedCert:LocallySignedCert":
      return locallySignedOutputs(inputs, ctx);
    default:
      return undefined;
  }
}

/**
 * A Google service-account key as the IAM API returns it: an RSA 2048 key, the JSON key file (base64) with the
 * account's email, and the public half as a self-signed X.509 certificate (publicKeyType TYPE_X509_PEM_FILE, base64).
 */
export async function serviceAccountKey(project: string, email: string, keyId: string, ctx: MockContext): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = rsaKey(2048, ctx.seed);
  const { pair, sign } = await webKeys(privateKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(ctx),
    name: [{ CN: [email] }],
    notBefore: ctx.epoch,
    notAfter: new Date(ctx.epoch.getTime() + 10 * 365 * 24 * 3_600_000),
    keys: pair,
    signingAlgorithm: sign,
  });
  const keyFile = {
    type: "service_account",
    project_id: project,
    private_key_id: keyId,
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: email,
    client_id: String(BigInt(`0x${keyId.slice(0, 15)}`)),
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: "googleapis.com",
  };
  return {
    privateKey: Buffer.from(JSON.stringify(keyFile, null, 2)).toString("base64"),
    publicKey: Buffer.from(`${cert.toString("pem")}\n`).toString("base64"),
  };
}
