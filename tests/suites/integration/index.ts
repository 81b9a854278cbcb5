import type { SuiteTest } from "../framework";
import { isolation } from "./isolation";
import { memory } from "./memory";
import { metricsMove } from "./metrics";
import { parallelSlots } from "./parallel-slots";
import { streamConsistency } from "./stream-consistency";

export const integration: SuiteTest[] = [parallelSlots, ...streamConsistency, metricsMove, isolation, memory];
