/**
 * A burst pool on this machine: its TLS terminator (the pool's load balancer, which exists at zero nodes) always
 * listens, and behind it the pool has 0 or 1 node, booted through the boot path on the port the terminator forwards
 * to, or stopped, when the autoscaler stand-in says so. One node stands for the pool: the fixture's max is 1.
 */
import type { LocalNode } from "../stack/node";
import type { PortReservation } from "../stack/ports";
import type { ScalablePool } from "../cloud/autoscaler";

export interface LocalPool extends ScalablePool {
  /** The port the terminator forwards to; held for the pool's life, so no other process takes it between nodes. */
  port: number;
  /** The node behind the terminator, while there is one. */
  node(): LocalNode | undefined;
  /** Boot-to-healthy of every node the pool started, in ms. */
  boots: number[];
  /** Stops its node, if any, and releases the port. */
  stop(): Promise<void>;
}

export function localPool(name: string, reservation: PortReservation, boot: (reservation: PortReservation) => Promise<LocalNode>): LocalPool {
  let node: LocalNode | undefined;
  let booting: Promise<LocalNode> | undefined;
  let stopped = false;
  const boots: number[] = [];
  // The node must not release the pool's port when it stops: the next node takes the same one.
  const lease: PortReservation = { port: reservation.port, release: async () => undefined };
  const scaleTo = async (n: number) => {
    if (!(n === 0 || n === 1)) throw new Error(`a local burst pool has 0 or 1 node (asked for ${n})`);
    if (n === 1 && !node) {
      if (stopped) throw new Error(`the ${name} pool is stopped`);
      booting = boot(lease);
      try {
        node = await booting;
      } finally {
        booting = undefined;
      }
      boots.push(node.bootToHealthyMs);
    } else if (n === 0 && node) {
      const gone = node;
      node = undefined;
      await gone.stop();
    }
  };
  return {
    name,
    port: reservation.port,
    nodes: () => (node ? 1 : 0),
    node: () => node,
    boots,
    scaleTo,
    async stop() {
      stopped = true;
      await booting?.catch(() => undefined);
      await scaleTo(0);
      await reservation.release();
    },
  };
}
