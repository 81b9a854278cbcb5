/**
 * The nodes of a simulated burst pool: launched when the group asks for them (or refused while the cloud has no spot
 * capacity), healthy after the boot path's boot-to-healthy, serving the routers' sessions, and leaving through the
 * drain the group gives them (a lifecycle hook, a shutdown-script window) or cut at once.
 */
export interface SimNode {
  id: number;
  launchedAt: number;
  healthyAt: number;
  /** When the group chose it to leave; it serves nothing new from then on. */
  leavingAt?: number;
  goneAt?: number;
  sessions: number;
}

export interface PoolEnvironment {
  /** Seconds from launch to healthy behind the load balancer (spot start, image, model download, load). */
  bootSeconds: number;
  /** Whether the cloud has spot capacity for the pool at time t (seconds). */
  capacityAt(t: number): boolean;
  /** How long a request in flight still runs when its node starts to leave (the longest stream). */
  requestSeconds: number;
}

export interface NodeLedger {
  nodes: SimNode[];
  /** Launch attempts the cloud refused (no spot capacity). */
  refusedLaunches: number;
  /** Nodes that left with sessions still running (their streams were cut). */
  cutWhileServing: number;
  nextId: number;
}

export const newLedger = (): NodeLedger => ({ nodes: [], refusedLaunches: 0, cutWhileServing: 0, nextId: 0 });

export const present = (l: NodeLedger) => l.nodes.filter((n) => n.leavingAt === undefined);
export const serving = (l: NodeLedger, t: number) => present(l).filter((n) => n.healthyAt <= t);
export const billed = (l: NodeLedger, t: number) => l.nodes.filter((n) => n.goneAt === undefined || n.goneAt > t);

/** Launches one node if the cloud has capacity; false when refused. */
export function launch(l: NodeLedger, env: PoolEnvironment, t: number): boolean {
  if (!env.capacityAt(t)) {
    l.refusedLaunches++;
    return false;
  }
  l.nodes.push({ id: l.nextId++, launchedAt: t, healthyAt: t + env.bootSeconds, sessions: 0 });
  return true;
}

/**
 * Starts a node's departure. `drainSeconds` is how long the group lets it finish (0: terminated at once); its
 * sessions are cut when they need longer than that.
 */
export function leave(l: NodeLedger, n: SimNode, t: number, drainSeconds: number, env: PoolEnvironment): void {
  n.leavingAt = t;
  const needs = n.sessions > 0 && n.healthyAt <= t ? env.requestSeconds : 0;
  if (needs > drainSeconds) l.cutWhileServing++;
  n.goneAt = t + Math.min(needs, drainSeconds);
  n.sessions = 0;
}
