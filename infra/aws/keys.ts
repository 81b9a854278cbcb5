/**
 * Customer-managed KMS keys with least-privilege key policies: the account administers the key but cannot use it
 * directly; use is granted only through the one AWS service the key is for (kms:ViaService), or to one service
 * principal bound to one resource by encryption context.
 * Key policies: docs.aws.amazon.com/kms/latest/developerguide/key-policies.html;
 * kms:ViaService: docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What the account may do to the key itself, never with it. Exact actions: a key policy also takes no wildcards here. */
export const KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:DescribeKey", "kms:EnableKey", "kms:DisableKey", "kms:EnableKeyRotation",
  "kms:DisableKeyRotation", "kms:RotateKeyOnDemand", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
  "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
];

export type KeyUse =
  /** Principals of the account may use the key only through this service (IAM decides which principals). */
  | { kind: "via-service"; service: string; actions: string[] }
  /** CloudWatch Logs may use the key for this one log group only. */
  | { kind: "logs"; logGroupArn: string };

export function keyPolicy(p: { accountId: string; region: string; partition?: string; use: KeyUse }): aws.iam.PolicyDocument {
  const partition = p.partition ?? "aws";
  const root = `arn:${partition}:iam::${p.accountId}:root`;
  const statements: aws.iam.PolicyStatement[] = [
    { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: root }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
  ];
  if (p.use.kind === "via-service") {
    statements.push({
      Sid: `UseThrough${p.use.service.toUpperCase()}Only`,
      Effect: "Allow",
      Principal: { AWS: root },
      Action: p.use.actions,
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": `${p.use.service}.${p.region}.amazonaws.com`, "kms:CallerAccount": p.accountId } },
    });
  } else {
    // docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html (key policy for CloudWatch Logs)
    statements.push({
      Sid: "CloudWatchLogsForOneLogGroup",
      Effect: "Allow",
      Principal: { Service: `logs.${p.region}.amazonaws.com` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
      Resource: "*",
      Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": p.use.logGroupArn } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** A symmetric customer-managed key that rotates yearly, with the policy above and an alias. */
export function customerKey(
  name: string,
  args: { description: string; region: string; accountId: pulumi.Input<string>; use: pulumi.Input<KeyUse>; tags: Record<string, string>; protect?: boolean },
  opts: pulumi.CustomResourceOptions,
): aws.kms.Key {
  const key = new aws.kms.Key(name, {
    description: args.description,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: pulumi.all([args.accountId, args.use]).apply(([accountId, use]) => JSON.stringify(keyPolicy({ accountId, region: args.region, use }))),
    tags: args.tags,
  }, { ...opts, ...(args.protect ? { protect: true, retainOnDelete: true } : {}) });
  new aws.kms.Alias(name, { targetKeyId: key.keyId }, opts);
  return key;
}
