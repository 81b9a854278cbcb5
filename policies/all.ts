/** Every policy of the pack, in one list: the pack, the offline plan and the docs read this. */
import { computePolicies } from "./compute";
import { costPolicies } from "./cost";
import { encryptionPolicies } from "./encryption";
import { iamPolicies } from "./iam";
import { labelPolicies } from "./labels";
import type { HybridPolicy } from "./lib/policy";
import { networkPolicies } from "./network";
import { resiliencePolicies } from "./resilience";
import { spotPolicies } from "./spot";
import { sshPolicies } from "./ssh";
import { storagePolicies } from "./storage";
import { scalingPolicies } from "./scaling";
import { tlsPolicies } from "./tls";

export const allPolicies: HybridPolicy[] = [...sshPolicies, ...labelPolicies, ...spotPolicies, ...costPolicies, ...storagePolicies, ...computePolicies, ...iamPolicies,
  ...networkPolicies, ...encryptionPolicies, ...resiliencePolicies, ...tlsPolicies, ...scalingPolicies];

export const PACK_NAME = "hybrid-inference";
