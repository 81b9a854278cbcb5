/** What the AWS pool's identities may do: the nodes' instance role and the routers' demand-publisher key. */
import type * as aws from "@pulumi/aws";
import { DEMAND_METRIC } from "../scaling/demand";
import { modelReadStatements } from "../storage/s3-checkpoints";

export function instanceRolePolicy(p: { bucketArn: string; asgArn: string; region: string; bucketKeyArn?: string; apiKeyParameterArn?: string; apiKeyKmsArn?: string }): aws.iam.PolicyDocument {
  const statements: aws.iam.PolicyStatement[] = [
    ...modelReadStatements(p.bucketArn, { region: p.region, ...(p.bucketKeyArn ? { kmsKeyArn: p.bucketKeyArn } : {}) }),
    { Sid: "CompleteOwnLifecycleHook", Effect: "Allow", Action: ["autoscaling:CompleteLifecycleAction"], Resource: [p.asgArn] },
  ];
  if (p.apiKeyParameterArn) {
    statements.push({ Sid: "ReadApiKey", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [p.apiKeyParameterArn] });
  }
  if (p.apiKeyKmsArn) {
    // Only through Parameter Store: the role cannot use the key for anything else.
    statements.push({
      Sid: "DecryptApiKeyThroughSsm",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [p.apiKeyKmsArn],
      Condition: { StringEquals: { "kms:ViaService": `ssm.${p.region}.amazonaws.com` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * What the routers' key may do: PutMetricData in the demand namespace only (the action has no resource type, so
 * Resource is "*" and the namespace condition narrows it), from the routers' addresses only.
 */
export function demandPublisherPolicy(sourceCidrs: string[]): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{
      Sid: "PublishBurstDemand",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": DEMAND_METRIC.awsNamespace }, IpAddress: { "aws:SourceIp": sourceCidrs } },
    }],
  };
}
