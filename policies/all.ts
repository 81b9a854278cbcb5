/** Every policy of the pack, in one list: the pack, the offline plan and the docs read this. */
import { computePolicies } from "./compute";
import { costPolicies } from "./cost";
import { iamPolicies } from "./iam";
import { labelPolicies } from "./labels";
import type { HybridPolicy } from "./lib/policy";
import { spotPolicies } from "./spot";
import { sshPolicies } from "./ssh";
import { storagePolicies } from "./storage";

export const allPolicies: HybridPolicy[] = [...sshPolicies, ...labelPolicies, ...spotPolicies, ...costPolicies, ...storagePolicies, ...computePolicies, ...iamPolicies];

export const PACK_NAME = "hybrid-inference";
