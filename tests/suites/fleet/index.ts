import type { SuiteTest } from "../framework";
import { belowCapacity } from "./below-capacity";
import { burstDown } from "./burst-down";
import { clientGone } from "./client-gone";
import { failover } from "./failover";
import { floods } from "./floods";
import { metricsParsed } from "./metrics";
import { nodeKilled } from "./node-killed";
import { queueFull } from "./queue-full";
import { queueOrder } from "./queue-order";
import { routerErrors } from "./router-errors";
import { rollingUpdate } from "./rolling-update";
import { routerKilled } from "./router-killed";
import { scaleFromZero } from "./scale-from-zero";
import { scaleIn } from "./scale-in";
import { spillOver } from "./spill-over";

/**
 * In this order: scale-from-zero drains the burst pools and brings them back to their minimum, and failover does
 * the same with the cheaper pool out of capacity; scale-in takes the cheaper pool to two nodes and back to one under
 * load; node-killed kills a
 * base node while the burst pools can take over (a stack with one base node has nowhere else to send its retries);
 * rolling-update replaces every base node (the pools take over a one-node base meanwhile); router-killed kills the
 * second router (the others go to the first); burst-down stops the burst endpoints for good
 * (queue-order then fills the base alone).
 */
export const fleet: SuiteTest[] = [metricsParsed, belowCapacity, spillOver, queueFull, clientGone, routerErrors, scaleFromZero, failover, scaleIn, nodeKilled, rollingUpdate, floods, routerKilled, burstDown, queueOrder];
