/**
 * A private certificate authority for the links between the routers and the burst pools. The routers are the
 * only clients of the pools' TLS endpoints (allow-listed by address), and they verify each endpoint against this CA
 * and the endpoint's own name, so no public DNS or certificate is needed for a pool. Keys live only in Pulumi state,
 * as secrets. Certificates renew on the `pulumi up` that falls inside their early-renewal window.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** The CA lives ten years; a leaf one year and renews on the first up within its last 30 days. */
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
export const LEAF_VALIDITY_HOURS = 365 * 24;
export const LEAF_EARLY_RENEWAL_HOURS = 30 * 24;

export interface IssuedCertificate {
  certPem: pulumi.Output<string>;
  privateKeyPem: pulumi.Output<string>;
  /** The CA's certificate, for chains and trust stores. */
  caPem: pulumi.Output<string>;
}

export class PrivateCa extends pulumi.ComponentResource {
  readonly key: tls.PrivateKey;
  readonly cert: tls.SelfSignedCert;
  readonly certPem: pulumi.Output<string>;

  constructor(name: string, args: { commonName: string }, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:tls:PrivateCa", name, {}, opts);
    this.key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    this.cert = new tls.SelfSignedCert(`${name}-cert`, {
      privateKeyPem: this.key.privateKeyPem,
      isCaCertificate: true,
      subject: { commonName: args.commonName, organization: "hybrid-inference" },
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: ["cert_signing", "crl_signing"],
    }, { parent: this });
    this.certPem = this.cert.certPem;
    this.registerOutputs({ certPem: this.certPem });
  }

  /** A server certificate for DNS names and/or IP addresses, signed by this CA. */
  issue(name: string, san: { dnsNames?: pulumi.Input<pulumi.Input<string>[]>; ipAddresses?: pulumi.Input<pulumi.Input<string>[]> }): IssuedCertificate {
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const request = new tls.CertRequest(`${name}-csr`, {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: name.slice(0, 64), organization: "hybrid-inference" },
      ...(san.dnsNames ? { dnsNames: san.dnsNames } : {}),
      ...(san.ipAddresses ? { ipAddresses: san.ipAddresses } : {}),
    }, { parent: this });
    const cert = new tls.LocallySignedCert(`${name}-cert`, {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: this.key.privateKeyPem,
      caCertPem: this.cert.certPem,
      validityPeriodHours: LEAF_VALIDITY_HOURS,
      earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    }, { parent: this });
    return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), caPem: this.cert.certPem };
  }
}
