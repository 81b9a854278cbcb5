import { describe, expect, it } from "vitest";
import { type AlarmSpec, evaluateAlarm, MetricStore } from "../../simulate/cloudwatch";

const metric = { namespace: "N", metricName: "M", dimensions: { Pool: "aws" } };
const alarm = (o: Partial<AlarmSpec> = {}): AlarmSpec => ({
  name: "a",
  queries: [{ id: "m", returnData: true, metric: { ...metric, period: 60, stat: "Maximum" } }],
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 0.5,
  comparison: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  alarmActions: ["arn:aws:autoscaling:eu-central-1:1:scalingPolicy:x", "arn:aws:sns:eu-central-1:1:ops"],
  okActions: [],
  ...o,
});

describe("CloudWatch alarm evaluation", () => {
  it("reads only points that have landed; a missing latest period falls back to the latest existing one in the range", () => {
    const store = new MetricStore();
    store.put(metric, 0, 3, 10);
    store.put(metric, 60, 5, 200); // lands late
    const at120 = evaluateAlarm(alarm(), store, 120, "OK");
    expect(at120).toMatchObject({ state: "ALARM", value: 3 });
    const at240 = evaluateAlarm(alarm(), store, 240, "ALARM");
    expect(at240.value).toBe(5);
  });

  it("fills missing data as treatMissingData says when the range holds too few points", () => {
    const store = new MetricStore();
    expect(evaluateAlarm(alarm(), store, 600, "ALARM").state).toBe("OK");
    expect(evaluateAlarm(alarm({ treatMissingData: "breaching" }), store, 600, "OK").state).toBe("ALARM");
    expect(evaluateAlarm(alarm({ treatMissingData: "missing" }), store, 600, "OK").state).toBe("INSUFFICIENT_DATA");
    expect(evaluateAlarm(alarm({ treatMissingData: "ignore" }), store, 600, "ALARM").state).toBe("ALARM");
  });

  it("runs every action on the change to ALARM and only the Auto Scaling ones again while it stays", () => {
    const store = new MetricStore();
    store.put(metric, 0, 3);
    expect(evaluateAlarm(alarm(), store, 60, "OK").actions).toHaveLength(2);
    expect(evaluateAlarm(alarm(), store, 60, "ALARM").actions).toEqual(["arn:aws:autoscaling:eu-central-1:1:scalingPolicy:x"]);
  });
});
