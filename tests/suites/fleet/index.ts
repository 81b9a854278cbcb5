import type { SuiteTest } from "../framework";
import { belowCapacity } from "./below-capacity";
import { burstDown } from "./burst-down";
import { metricsParsed } from "./metrics";
import { nodeKilled } from "./node-killed";
import { queueFull } from "./queue-full";
import { queueOrder } from "./queue-order";
import { scaleFromZero } from "./scale-from-zero";
import { spillOver } from "./spill-over";

/**
 * In this order: scale-from-zero drains the burst pools and brings them back to their minimum; burst-down stops the
 * burst endpoints for good (queue-order then fills the base alone), node-killed a base node.
 */
export const fleet: SuiteTest[] = [metricsParsed, belowCapacity, spillOver, queueFull, scaleFromZero, burstDown, queueOrder, nodeKilled];
