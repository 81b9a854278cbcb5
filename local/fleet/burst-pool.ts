/**
 * A burst pool on this machine: its load balancer stand-in always listens (the pool's load balancer exists at zero
 * nodes) and checks a fixed set of node ports; behind it the pool has 0 to `max` nodes, booted through the boot path
 * or stopped when the autoscaler stand-in says so. A node that dies is replaced, as the group's health checks do.
 */
import type { LocalNode } from "../stack/node";
import type { PortReservation } from "../stack/ports";
import type { ScalablePool } from "../cloud/autoscaler";

export interface LocalPool extends ScalablePool {
  /** The ports the load balancer forwards to, one per possible node; held for the pool's life. */
  ports: number[];
  /** The nodes serving now, in port order. */
  running(): LocalNode[];
  /** Boot-to-healthy of every node the pool started, in ms. */
  boots: number[];
  /** Nodes that died and were replaced. */
  replaced: number;
  /** Whether the cloud has spot capacity for the pool: without it every launch is refused. */
  setCapacity(available: boolean): void;
  /** Kills one node outright (SIGKILL), as a node that vanishes; the pool replaces it. */
  kill(index?: number): Promise<string>;
  /** Stops every node and releases the ports. */
  stop(): Promise<void>;
}

export interface PoolOptions {
  name: string;
  reservations: PortReservation[];
  boot: (reservation: PortReservation, index: number) => Promise<LocalNode>;
  /** How long the group takes to replace a dead node here. */
  replaceAfterMs: number;
  /** Before a node the group removes is stopped: its load balancer drains it (no new requests, the open ones finish). */
  drain?: (index: number, node: LocalNode) => Promise<void>;
  /** After a node starts: its load balancer may send to it again. */
  ready?: (index: number) => Promise<void>;
  log?: (line: string) => void;
}

export function localPool(o: PoolOptions): LocalPool {
  const log = o.log ?? (() => undefined);
  const slots: Array<LocalNode | undefined> = o.reservations.map(() => undefined);
  const booting = new Map<number, Promise<void>>();
  // Slots whose node is draining: its port is still held, so no new node starts there until it is gone.
  const leaving = new Set<number>();
  const boots: number[] = [];
  let wanted = 0;
  let stopped = false;
  let replaced = 0;
  // Whether the cloud has spot capacity for the pool: without it, every launch is refused.
  let capacity = true;
  // A node must not release its port when it stops: the next node there takes the same one.
  const lease = (r: PortReservation): PortReservation => ({ port: r.port, release: async () => undefined });
  const count = () => slots.filter(Boolean).length + booting.size;

  const start = (i: number): Promise<void> => {
    const p = (async () => {
      if (!capacity) throw new Error(`the ${o.name} pool gets no spot capacity (launch refused)`);
      const node = await o.boot(lease(o.reservations[i] as PortReservation), i);
      boots.push(node.bootToHealthyMs);
      await o.ready?.(i);
      slots[i] = node;
      node.server.once("exit", (code, signal) => {
        if (slots[i] !== node || stopped) return;
        slots[i] = undefined;
        log(`${o.name} pool: node ${i} exited (${signal ?? code}); the group replaces it in ${o.replaceAfterMs / 1000} s`);
        replaced++;
        void node.stop();
        setTimeout(() => void reconcile().catch((e: unknown) => log(`${o.name} pool: replacing node ${i} failed: ${(e as Error).message}`)), o.replaceAfterMs);
      });
    })().finally(() => booting.delete(i));
    booting.set(i, p);
    return p;
  };

  const reconcile = async (): Promise<void> => {
    if (stopped) return;
    const work: Promise<void>[] = [];
    for (let i = 0; i < slots.length && count() < wanted; i++) if (!slots[i] && !booting.has(i) && !leaving.has(i)) work.push(start(i));
    for (let i = slots.length - 1; i >= 0 && slots.filter(Boolean).length + booting.size > wanted; i--) {
      const node = slots[i];
      if (!node) continue;
      slots[i] = undefined;
      // A scale-in: the load balancer drains the node first, as the clouds' deregistration and terminate hook do.
      leaving.add(i);
      work.push((async () => {
        try {
          await o.drain?.(i, node).catch((e: unknown) => log(`${o.name} pool: draining node ${i} failed: ${(e as Error).message}`));
          await node.stop();
        } finally {
          leaving.delete(i);
        }
      })());
    }
    await Promise.all(work);
  };

  return {
    name: o.name,
    ports: o.reservations.map((r) => r.port),
    nodes: () => slots.filter(Boolean).length,
    running: () => slots.filter((n): n is LocalNode => n !== undefined),
    boots,
    get replaced() {
      return replaced;
    },
    async scaleTo(n) {
      if (!(Number.isInteger(n) && n >= 0 && n <= slots.length)) throw new Error(`the ${o.name} pool has 0 to ${slots.length} nodes here (asked for ${n})`);
      if (stopped) throw new Error(`the ${o.name} pool is stopped`);
      wanted = n;
      await reconcile();
      await Promise.all(booting.values());
    },
    setCapacity(available) {
      capacity = available;
    },
    async kill(index) {
      const i = index ?? slots.findIndex(Boolean);
      const node = slots[i];
      if (!node) throw new Error(`the ${o.name} pool has no node ${index ?? ""} to kill`);
      process.kill(-(node.server.pid as number), "SIGKILL");
      return `${o.name}-${i}`;
    },
    async stop() {
      stopped = true;
      wanted = 0;
      await Promise.all([...booting.values()].map((p) => p.catch(() => undefined)));
      await Promise.all(slots.map((n, i) => {
        slots[i] = undefined;
        return n?.stop();
      }));
      await Promise.all(o.reservations.map((r) => r.release()));
    },
  };
}
