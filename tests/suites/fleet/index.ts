import type { SuiteTest } from "../framework";
import { belowCapacity } from "./below-capacity";
import { burstDown } from "./burst-down";
import { metricsParsed } from "./metrics";
import { nodeKilled } from "./node-killed";
import { queueFull } from "./queue-full";
import { spillOver } from "./spill-over";

/** In this order: the last two stop parts of the fleet (the burst endpoints, then a base node) for good. */
export const fleet: SuiteTest[] = [metricsParsed, belowCapacity, spillOver, queueFull, burstDown, nodeKilled];
