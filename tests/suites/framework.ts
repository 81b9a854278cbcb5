/**
 * A minimal test framework for suites that run against a live endpoint: each test is a small object with a name
 * and a run function; the runner gives each one a deadline, and turns its outcome into a result row.
 */
import type { Http } from "./http";
import type { LoadResult, SuiteName, TestResult } from "./results";

export interface SuiteOptions {
  /** Smoke latency threshold for a short completion, p95 in ms. */
  latencyMs: number;
  /** Load duration in seconds. */
  durationS: number;
  /** Concurrent users for the load suite. */
  concurrency: number;
  /** Requests in the integration memory soak. */
  soakRequests: number;
  /** Largest acceptable error rate in the load suite. */
  maxErrorRate: number;
  /** Per-test deadline in ms. */
  testTimeoutMs: number;
}

/** The local fleet's demand loop, as the scale-from-zero check drives and reads it. */
export interface FleetScalingControl {
  /** Sets the burst pools' minimum, every pool's or per pool (the local fleet starts them warm at 1; the stacks' pools are at 0). */
  setMinimum(n: number | Record<string, number>): void;
  /** Each pool's minimum now. */
  minimums(): Record<string, number>;
  /** Nodes per pool now. */
  nodes(): Record<string, number>;
  /** Every change of a pool's size the autoscaler stand-in made, in order. */
  events(): Array<{ pool: string; from: number; to: number; demand: number | undefined; atMs: number; doneMs?: number; error?: string }>;
  /** The highest demand (in slots) the cloud stand-ins accepted for a pool since a time (epoch ms). */
  demandPeak(pool: string, sinceMs: number): number;
  /** Why the cloud stand-ins refused a request, one entry each (a bad signature or token, a point written too often). */
  refusals(): string[];
  /** How long a pool must see no demand before it goes back to its minimum. */
  quietMs: number;
  /** Whether the cloud has spot capacity for a pool: without it every launch is refused. */
  setCapacity(pool: string, available: boolean): void;
  /** The routers' failover time here (a pool with demand and nothing up this long is starved). */
  failoverSeconds: number;
  /** The group removes nodes down to `n` now (a scale-in), each drained by its load balancer first. */
  scaleIn(pool: string, n: number): Promise<void>;
}

/** What the fleet suite knows about the router it tests. */
export interface FleetContext {
  /** The router's Prometheus exporter. */
  metricsUrl: string;
  /** The processes behind the router: only when the runner started the local fleet itself. */
  control?: {
    /** Stops every burst endpoint (its load balancer and nodes). */
    stopBurst(): Promise<void>;
    /** Kills a base node outright (SIGKILL); its host starts it again. */
    killBase(name: string): Promise<void>;
    /** Kills a burst pool's node outright (SIGKILL); the group replaces it. Resolves with the node's name. */
    killBurst(pool: string): Promise<string>;
    /** The fleet's entry (the load balancer in front of every router) and the routers behind it. */
    entry: { baseUrl: string; tls: { ca: string }; routers: Array<{ name: string; apiUrl: string; metricsUrl: string }> };
    /** Kills router i's HAProxy outright (SIGKILL); systemd starts it again. */
    killRouter(index: number): Promise<void>;
    /** Replaces every base node, one at a time, through the stack's drain and rollout gates; resolves with each step's times. */
    rollBase(): Promise<Array<{ node: string; drainMs: number; replaceMs: number; gateMs: number }>>;
    /** Supervision events so far ("... exited (SIGKILL) ...", "... is back ..."). */
    events(): string[];
    /** The demand loop: the burst pools' sizes, their minimum, what the cloud stand-ins received. */
    scaling: FleetScalingControl;
  };
  /** The router's spec, known for the local fleet: its queue and the order it tries the burst pools in. */
  spec?: { queueDepth: number; queueTimeoutSeconds: number; burstOrder: string[] };
}

export interface SuiteContext {
  http: Http;
  /** The model id the endpoint lists first (OpenAI requests name a model). */
  model: string;
  apiKey?: string;
  /** Parallel slots the server reports in /props, when it exposes them. */
  slots?: number;
  /** Set when the runner started the server itself: its pid, for the memory soak. */
  localPid?: number;
  /** Set for the fleet suite: the router's metrics, and the fleet's processes when the runner started it. */
  fleet?: FleetContext;
  options: SuiteOptions;
  /** Aborted when the test's deadline passes. */
  signal: AbortSignal;
  /** Live progress for people (the load suite's progress line). */
  progress: (line: string) => void;
  /** Results a test hands to the document (the load figures). */
  artifacts: { load?: LoadResult };
}

export interface Outcome {
  metrics?: Record<string, number | string | boolean>;
  notes?: string[];
}

export interface SuiteTest {
  /** The behaviour, for example "health answers 200". The full name is "<suite>/<name>". */
  name: string;
  /** The deadline, fixed or derived from the options (the load test's depends on --duration). */
  timeoutMs?: number | ((o: SuiteOptions) => number);
  run(ctx: SuiteContext): Promise<Outcome | void>;
}

/** Thrown by a test that does not apply to this endpoint; the result says why. */
export class Skip extends Error {
  override name = "Skip";
}

/** A failed expectation, with a message written for the person reading the JSON. */
export class Failure extends Error {
  override name = "Failure";
  constructor(
    message: string,
    readonly metrics?: Outcome["metrics"],
  ) {
    super(message);
  }
}

export function expect(condition: unknown, message: string, metrics?: Outcome["metrics"]): asserts condition {
  if (!condition) throw new Failure(message, metrics);
}

/** Races a promise against a deadline; on expiry rejects with what `onTimeout` returns (after it has run). */
export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function describeError(e: unknown): string {
  if (e instanceof Failure || e instanceof Skip) return e.message;
  const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  return `${err.name}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ""}`;
}

export async function runTest(suite: SuiteName, test: SuiteTest, base: Omit<SuiteContext, "signal">): Promise<TestResult> {
  const name = `${suite}/${test.name}`;
  const timeoutMs = typeof test.timeoutMs === "function" ? test.timeoutMs(base.options) : (test.timeoutMs ?? base.options.testTimeoutMs);
  const controller = new AbortController();
  const started = performance.now();
  const row = (status: TestResult["status"], extra: Partial<TestResult>): TestResult => ({
    name,
    suite,
    status,
    duration: round((performance.now() - started) / 1000),
    ...extra,
  });
  try {
    const outcome =
      (await withDeadline(test.run({ ...base, signal: controller.signal }), timeoutMs, () => {
        controller.abort();
        return new Failure(`timed out after ${round(timeoutMs / 1000, 1)} s`);
      })) ?? {};
    return row("passed", { ...(outcome.metrics ? { metrics: outcome.metrics } : {}), ...(outcome.notes?.length ? { notes: outcome.notes } : {}) });
  } catch (e) {
    if (e instanceof Skip) return row("skipped", { error: e.message });
    return row("failed", { error: describeError(e), ...(e instanceof Failure && e.metrics ? { metrics: e.metrics } : {}) });
  } finally {
    controller.abort();
  }
}
