/** The pieces of the router contracts that decide: HAProxy's host check, and the names a certificate carries. */
import { describe, expect, it } from "vitest";
import { dayEpoch, tlsOutputs } from "../../../plan/mock-tls";
import { seedOf } from "../../../plan/mock-keys";
import { certificateNames, hostMatches } from "../../../plan/provider-rules/router-contracts";
import { X509Certificate } from "node:crypto";

describe("HAProxy's host check as the contract applies it", () => {
  it("matches exact names case-insensitively and a wildcard for exactly one first label", () => {
    expect(hostMatches("gcp.burst.staging.hybrid-inference.internal", "GCP.burst.staging.hybrid-inference.internal")).toBe(true);
    expect(hostMatches("*.burst.internal", "gcp.burst.internal")).toBe(true);
    expect(hostMatches("*.burst.internal", "a.gcp.burst.internal")).toBe(false);
    expect(hostMatches("*.burst.internal", "burst.internal")).toBe(false);
    expect(hostMatches("gcp.burst.internal", "aws.burst.internal")).toBe(false);
  });

  it("lists a certificate's DNS names and CN apart from its IP addresses, which never match", async () => {
    const key = await tlsOutputs("tls:index/privateKey:PrivateKey", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { seed: seedOf("key"), epoch: dayEpoch() });
    const cert = await tlsOutputs("tls:index/selfSignedCert:SelfSignedCert", {
      privateKeyPem: key?.privateKeyPem, subject: { commonName: "pool-tls", organization: "hybrid-inference" }, ipAddresses: ["34.120.1.2"], validityPeriodHours: 1, allowedUses: ["server_auth"],
    }, { seed: seedOf("cert"), epoch: dayEpoch() });
    const names = certificateNames(new X509Certificate(String(cert?.certPem)));
    expect(names).toEqual({ dns: [], cn: ["pool-tls"], ip: ["34.120.1.2"] });
    expect([...names.dns, ...names.cn].some((n) => hostMatches(n, "34.120.1.2"))).toBe(false);
  });
});
