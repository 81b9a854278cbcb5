/** Keys and what they protect: customer-managed KMS keys that rotate, secrets and logs encrypted with them. */
import type { ResourcePolicy } from "./lib/policy";
import { num, type Props, str } from "./lib/values";

export const kmsKeyHardening: ResourcePolicy = {
  name: "kms-key-hardening",
  description: "Customer-managed KMS keys are enabled, rotate automatically (symmetric keys) and carry an explicit key policy.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_7, CKV_AWS_227, CKV2_AWS_64; trivy AWS-0065; regula FG_R00036. Rotation: docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
  remediationSteps: "aws.kms.Key { enableKeyRotation: true, policy: <least-privilege key policy> } (see infra/aws/keys.ts).",
  validateResource: (args, report) => {
    if (args.type !== "aws:kms/key:Key") return;
    const p = args.props as Props;
    const spec = str(p.customerMasterKeySpec) ?? str(p.keySpec) ?? "SYMMETRIC_DEFAULT";
    if (spec === "SYMMETRIC_DEFAULT" && p.enableKeyRotation !== true) report(`${args.name}: automatic key rotation is off`);
    if (p.isEnabled === false) report(`${args.name}: the key is disabled`);
    if (!p.policy) report(`${args.name}: no explicit key policy (the default grants the whole account)`);
  },
};

interface LogConfig {
  minRetentionDays: number;
}

const SECRET_NAME = /(secret|password|passwd|token|api[-_]?key|private[-_]?key|credential)/i;

/**
 * Secrets in SSM are SecureStrings under a customer-managed key, not the AWS-managed alias/aws/ssm; a parameter whose
 * name says it holds a secret is a SecureString. CloudWatch log groups are encrypted with a customer-managed key
 * and kept for at least the configured number of days.
 */
export const secretsAndLogsUseCmk: ResourcePolicy = {
  name: "secrets-and-logs-use-cmk",
  description: "SSM SecureString parameters use a customer-managed KMS key; a parameter named like a secret is a SecureString; CloudWatch log groups use a customer-managed KMS key and keep logs at least minRetentionDays.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_337, CKV2_AWS_34, CKV_AWS_158, CKV_AWS_66, CKV_AWS_338; trivy AWS-0017; regula FG_R00068",
  remediationSteps: "aws.ssm.Parameter { type: 'SecureString', keyId: <the pool's key ARN> }; aws.cloudwatch.LogGroup { kmsKeyId, retentionInDays } (see infra/aws/burst-pool.ts and infra/aws/network.ts).",
  configSchema: { properties: { minRetentionDays: { type: "number", minimum: 1, default: 365 } } },
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:ssm/parameter:Parameter") {
      const type = str(p.type);
      const key = str(p.keyId);
      if (type === "SecureString" && (!key || /^alias\/aws\//.test(key))) report(`${args.name}: SecureString uses the AWS-managed key ${key ?? "alias/aws/ssm"}, not a customer-managed one`);
      if (type !== "SecureString" && SECRET_NAME.test(`${str(p.name) ?? args.name} ${str(p.description) ?? ""}`)) report(`${args.name}: looks like a secret but is a ${type ?? "String"}, stored in plain text`);
    }
    if (args.type === "aws:cloudwatch/logGroup:LogGroup") {
      const { minRetentionDays } = args.getConfig<LogConfig>();
      if (!str(p.kmsKeyId)) report(`${args.name}: log group is not encrypted with a customer-managed KMS key`);
      const days = num(p.retentionInDays);
      if (days === undefined || days === 0) report(`${args.name}: no retention set (logs kept forever, unbounded cost)`);
      else if (days < minRetentionDays) report(`${args.name}: retention ${days} days is below ${minRetentionDays}`);
    }
  },
};

export const encryptionPolicies = [kmsKeyHardening, secretsAndLogsUseCmk];
