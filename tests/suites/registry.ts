import { contract } from "./contract";
import { fleet } from "./fleet";
import type { SuiteTest } from "./framework";
import { integration } from "./integration";
import { load } from "./load";
import type { SuiteName } from "./results";
import { smoke } from "./smoke";

export const REGISTRY: Record<SuiteName, SuiteTest[]> = { smoke, contract, integration, load, fleet };
