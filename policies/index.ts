// Builds the pack. Only this file constructs PolicyPack, because its constructor starts the gRPC server the CLI talks to.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./all";

new PolicyPack(PACK_NAME, {
  description: "Hybrid inference fleet guard rails: ingress, labels, spot, cost, storage, node hardening, IAM, network, keys and prod invariants.",
  enforcementLevel: "mandatory",
  policies: allPolicies,
});
