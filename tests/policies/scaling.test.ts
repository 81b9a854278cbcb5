import { describe, expect, it } from "vitest";
import { burstScalesFromZero } from "../../policies/scaling";
import { check, messages, res } from "./harness";

const p = burstScalesFromZero;
const asg = (min = 0) => res("aws:autoscaling/group:Group", "pool", { minSize: min, maxSize: 4 });

describe("burst-scales-from-zero (stack)", () => {
  it("passes an AWS group at zero that steps on an alarm outside AWS/EC2, or that never sits at zero", async () => {
    const g = asg();
    const step = res("aws:autoscaling/policy:Policy", "out", { policyType: "StepScaling", adjustmentType: "ChangeInCapacity", stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }] }, { deps: { autoscalingGroupName: [g] } });
    const alarm = res("aws:cloudwatch/metricAlarm:MetricAlarm", "demand", { namespace: "HybridInference/Router", metricName: "BurstDemandSlots" }, { deps: { alarmActions: [step] } });
    expect(await check(p, [g, step, alarm])).toEqual([]);
    expect(await check(p, asg(1))).toEqual([]);
    const schedule = res("aws:autoscaling/schedule:Schedule", "office-hours", { desiredCapacity: 1 }, { deps: { autoscalingGroupName: [g] } });
    expect(await check(p, [g, schedule])).toEqual([]);
  });

  it("fails CPU at zero on AWS: target tracking on the group's CPU, an alarm on AWS/EC2, or no policy at all", async () => {
    const g = asg();
    const cpu = res("aws:autoscaling/policy:Policy", "cpu", { policyType: "TargetTrackingScaling", targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 60 } }, { deps: { autoscalingGroupName: [g] } });
    expect(messages(await check(p, [g, cpu]))).toEqual([expect.stringContaining("Auto Scaling group pool has minimum 0 and no scale-out signal that exists at zero instances")]);
    const step = res("aws:autoscaling/policy:Policy", "out", { policyType: "StepScaling" }, { deps: { autoscalingGroupName: [g] } });
    const ec2Alarm = res("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu-high", { namespace: "AWS/EC2", metricName: "CPUUtilization" }, { deps: { alarmActions: [step] } });
    expect(messages(await check(p, [g, step, ec2Alarm]))).toHaveLength(1);
    expect(messages(await check(p, g))).toHaveLength(1);
  });

  it("fails an AWS group at zero whose only policy on the demand alarm takes it back to zero", async () => {
    const g = asg();
    const cpu = res("aws:autoscaling/policy:Policy", "cpu", { policyType: "TargetTrackingScaling", targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 60 } }, { deps: { autoscalingGroupName: [g] } });
    const quietIn = res("aws:autoscaling/policy:Policy", "in", { policyType: "SimpleScaling", adjustmentType: "ExactCapacity", scalingAdjustment: 0 }, { deps: { autoscalingGroupName: [g] } });
    const quiet = res("aws:cloudwatch/metricAlarm:MetricAlarm", "quiet", { namespace: "HybridInference/Router", metricName: "BurstDemandSlots" }, { deps: { alarmActions: [quietIn] } });
    expect(messages(await check(p, [g, cpu, quietIn, quiet]))).toHaveLength(1);
    const stepIn = res("aws:autoscaling/policy:Policy", "step-in", { policyType: "StepScaling", adjustmentType: "ExactCapacity", stepAdjustments: [{ metricIntervalUpperBound: "0", scalingAdjustment: 0 }] }, { deps: { autoscalingGroupName: [g] } });
    const quiet2 = res("aws:cloudwatch/metricAlarm:MetricAlarm", "quiet2", { namespace: "HybridInference/Router", metricName: "BurstDemandSlots" }, { deps: { alarmActions: [stepIn] } });
    expect(messages(await check(p, [g, stepIn, quiet2]))).toHaveLength(1);
  });

  it("passes a zonal GCP autoscaler on a per-group metric, and fails CPU, load balancing or a regional group at zero", async () => {
    const perGroup = { metrics: [{ name: "custom.googleapis.com/hybrid_inference/burst_demand_slots", filter: 'resource.type = "global"', singleInstanceAssignment: 2 }] };
    const zonal = (policy: Record<string, unknown>) => res("gcp:compute/autoscaler:Autoscaler", "as", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 4, ...policy } });
    expect(await check(p, zonal(perGroup))).toEqual([]);
    expect(messages(await check(p, zonal({ cpuUtilization: { target: 0.6 } })))).toEqual([expect.stringContaining("autoscaler as has minReplicas 0 and no signal that exists at zero VMs")]);
    expect(messages(await check(p, zonal({ loadBalancingUtilization: { target: 0.8 } })))).toHaveLength(1);
    expect(messages(await check(p, res("gcp:compute/regionAutoscaler:RegionAutoscaler", "ras", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 4, ...perGroup } })))).toHaveLength(1);
    expect(await check(p, zonal({ cpuUtilization: { target: 0.6 }, minReplicas: 1 }))).toEqual([]);
    // Off, or only scaling in, the per-group metric cannot take it out of zero.
    expect(messages(await check(p, zonal({ ...perGroup, mode: "ONLY_SCALE_IN" })))).toHaveLength(1);
    expect(messages(await check(p, zonal({ ...perGroup, mode: "OFF" })))).toHaveLength(1);
  });
});
