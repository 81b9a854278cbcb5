/**
 * An EC2 Auto Scaling group with step and simple scaling policies, as the EC2 Auto Scaling user guide describes them
 * (docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html):
 * - a step policy picks the step whose bounds hold (metric value - alarm threshold), lower bound inclusive and upper
 *   exclusive above the threshold; no matching step, no change;
 * - ChangeInCapacity adds to the current capacity; while instances warm up (estimatedInstanceWarmup) they count as
 *   capacity already added, so a breach in the same step adds nothing and a higher step adds only the difference;
 * - ExactCapacity sets the capacity; a simple policy waits out its cooldown before it answers another alarm;
 * - the group keeps desired within min and max, launches for a shortfall (retrying when the cloud refuses), and
 *   terminates the oldest instances first (the default termination policy's oldest-launch-template rule);
 * - a terminating lifecycle hook holds an instance in Terminating:Wait until completed or its heartbeat times out
 *   (docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html).
 * GroupDesiredCapacity is published once a minute and lands `capacityLagSeconds` later (group metrics at 1-minute
 * granularity, docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html).
 */
import type { MetricStore } from "./cloudwatch";
import { billed, launch, leave, newLedger, type NodeLedger, type PoolEnvironment, present } from "./nodes";

export interface StepAdjustmentSpec {
  lower?: number;
  upper?: number;
  adjustment: number;
}

export interface AsgPolicySpec {
  arn: string;
  name: string;
  policyType: "StepScaling" | "SimpleScaling";
  adjustmentType: "ChangeInCapacity" | "ExactCapacity" | "PercentChangeInCapacity";
  steps: StepAdjustmentSpec[];
  scalingAdjustment?: number;
  estimatedInstanceWarmup?: number;
  cooldown?: number;
}

export interface AsgSpec {
  name: string;
  minSize: number;
  maxSize: number;
  /** The terminating lifecycle hook's heartbeat timeout; undefined without one. */
  terminateHookSeconds?: number;
  policies: AsgPolicySpec[];
}

export interface AsgActivity { at: number; policy: string; from: number; to: number }

export class Ec2AutoScalingGroup {
  desired: number;
  readonly ledger: NodeLedger = newLedger();
  readonly activities: AsgActivity[] = [];
  private simpleBusyUntil = -Infinity;
  private lastPublished = -Infinity;

  constructor(readonly spec: AsgSpec, readonly env: PoolEnvironment, readonly capacityLagSeconds: () => number, initial = spec.minSize) {
    this.desired = initial;
  }

  private clamp = (n: number) => Math.min(this.spec.maxSize, Math.max(this.spec.minSize, n));

  /** Runs the policy an alarm invoked; `value` is the alarm's datapoint, `threshold` its threshold. */
  execute(arn: string, value: number | undefined, threshold: number, now: number): void {
    const p = this.spec.policies.find((x) => x.arn === arn);
    if (!p) throw new Error(`an alarm invokes ${arn}, which is no policy of group ${this.spec.name}`);
    let adjustment: number | undefined;
    if (p.policyType === "SimpleScaling") {
      if (now < this.simpleBusyUntil) return;
      adjustment = p.scalingAdjustment;
      this.simpleBusyUntil = now + (p.cooldown ?? 300);
    } else {
      if (value === undefined) return; // no datapoint to pick a step from
      const offset = value - threshold;
      adjustment = p.steps.find((s) => (s.lower === undefined || offset >= s.lower) && (s.upper === undefined || offset < s.upper))?.adjustment;
    }
    if (adjustment === undefined) return;
    const from = this.desired;
    let to: number;
    if (p.adjustmentType === "ExactCapacity") to = this.clamp(adjustment);
    else if (p.adjustmentType === "PercentChangeInCapacity") throw new Error("PercentChangeInCapacity is not simulated");
    else {
      const warmup = p.estimatedInstanceWarmup ?? 0;
      const warming = present(this.ledger).filter((n) => now - n.launchedAt < warmup).length;
      to = warming > 0 ? Math.max(from, this.clamp(from - warming + adjustment)) : this.clamp(from + adjustment);
    }
    if (to !== from) this.activities.push({ at: now, policy: p.name, from, to });
    this.desired = to;
  }

  /** The group's own loop: launches or terminates toward desired, and publishes its metric once a minute. */
  tick(now: number, store: MetricStore): void {
    const live = present(this.ledger);
    for (let i = live.length; i < this.desired; i++) if (!launch(this.ledger, this.env, now)) break;
    const extra = live.length - this.desired;
    if (extra > 0) {
      const oldest = [...live].sort((a, b) => a.launchedAt - b.launchedAt).slice(0, extra);
      for (const n of oldest) leave(this.ledger, n, now, this.spec.terminateHookSeconds ?? 0, this.env);
    }
    const minute = Math.floor(now / 60) * 60;
    if (minute > this.lastPublished) {
      this.lastPublished = minute;
      store.put({ namespace: "AWS/AutoScaling", metricName: "GroupDesiredCapacity", dimensions: { AutoScalingGroupName: this.spec.name } }, minute, this.desired, now + this.capacityLagSeconds());
    }
  }

  billedNodes(now: number): number {
    return billed(this.ledger, now).length;
  }
}
