import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { customerKey } from "../aws/keys";
import { ACCESS_LOGS_PREFIX, CHECKPOINTS_PREFIX, MODELS_PREFIX, type ExternalReader } from "./layout";

export interface S3CheckpointsArgs {
  region: string;
  tags: Record<string, string>;
  protect: boolean;
  noncurrentVersionDays: number;
  checkpointInfrequentAccessDays: number;
  /** Default encryption: SSE-S3, or SSE-KMS with the given key or (without one) a customer-managed key made here. */
  encryption: "sse-s3" | "sse-kms";
  kmsKeyArn?: string;
  /** Days the server access logs are kept. */
  accessLogDays: number;
  /** Create a read-only IAM user for the models prefix, for nodes outside AWS. */
  externalReader: boolean;
  /** The only addresses the external reader's key works from (aws:SourceIp), e.g. the Hetzner servers' primary IPs. */
  readerSourceCidrs?: pulumi.Input<string[]>;
}

export interface ModelReadOptions {
  /** Pin every statement to these source addresses (for a long-lived key used from outside AWS). */
  sourceCidrs?: string[];
  /** The bucket's KMS key: readers need kms:Decrypt on it, through S3 only. */
  kmsKeyArn?: string;
  region?: string;
}

/** The policy statements that grant read access to the models prefix (and its objects' key, through S3) and nothing else. */
export function modelReadStatements(bucketArn: string, o: ModelReadOptions = {}): aws.iam.PolicyStatement[] {
  const pin = o.sourceCidrs ? { IpAddress: { "aws:SourceIp": o.sourceCidrs } } : {};
  const statements: aws.iam.PolicyStatement[] = [
    { Sid: "ReadModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/${MODELS_PREFIX}*`], ...(o.sourceCidrs ? { Condition: pin } : {}) },
    {
      Sid: "ListModels",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": [MODELS_PREFIX, `${MODELS_PREFIX}*`] }, ...pin },
    },
  ];
  if (o.kmsKeyArn) {
    if (!o.region) throw new Error("modelReadStatements: region is required with kmsKeyArn");
    statements.push({
      Sid: "DecryptModelsThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [o.kmsKeyArn],
      Condition: { StringEquals: { "kms:ViaService": `s3.${o.region}.amazonaws.com` }, ...pin },
    });
  }
  return statements;
}

/**
 * The access-log bucket's policy: TLS only, and server access log delivery (logging.s3.amazonaws.com) may write
 * under the log prefix for the one source bucket of this account.
 * docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
 */
export function accessLogBucketPolicy(p: { logBucketArn: string; sourceBucketArn: string; accountId: string }): aws.iam.PolicyDocument {
  const tls = tlsOnlyPolicy(p.logBucketArn);
  return {
    Version: "2012-10-17",
    Statement: [
      ...(tls.Statement as aws.iam.PolicyStatement[]),
      {
        Sid: "S3ServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: ["s3:PutObject"],
        Resource: [`${p.logBucketArn}/${ACCESS_LOGS_PREFIX}*`],
        Condition: { ArnLike: { "aws:SourceArn": p.sourceBucketArn }, StringEquals: { "aws:SourceAccount": p.accountId } },
      },
    ],
  };
}

export function tlsOnlyPolicy(bucketArn: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** Versioned, encrypted, private S3 bucket for models and checkpoints, with server access logs in a locked log bucket of its own. */
export class S3Checkpoints extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  readonly versioning: aws.s3.BucketVersioning;
  readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  readonly policy: aws.s3.BucketPolicy;
  readonly lifecycle: aws.s3.BucketLifecycleConfiguration;
  readonly logBucket: aws.s3.Bucket;
  readonly logging: aws.s3.BucketLogging;
  /** The bucket's customer-managed key, when this component made one. */
  readonly kmsKey?: aws.kms.Key;
  /** The key every reader needs kms:Decrypt on (through S3), when the bucket uses SSE-KMS. */
  readonly kmsKeyArn?: pulumi.Output<string>;
  readonly readerUser?: aws.iam.User;
  readonly readerGroup?: aws.iam.Group;
  readonly readerKey?: aws.iam.AccessKey;
  readonly externalReader?: ExternalReader;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: S3CheckpointsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:storage:S3Checkpoints", name, {}, opts);
    if (args.encryption === "sse-s3" && args.kmsKeyArn) throw new Error("S3Checkpoints: kmsKeyArn needs encryption sse-kms");
    const keep: pulumi.CustomResourceOptions = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const child: pulumi.CustomResourceOptions = { parent: this };
    const accountId = aws.getCallerIdentityOutput({}, child).accountId;

    this.bucket = new aws.s3.Bucket(name, { forceDestroy: false, tags: args.tags }, keep);
    this.logBucket = new aws.s3.Bucket(`${name}-logs`, { forceDestroy: false, tags: args.tags }, keep);
    this.lockDown(`${name}-logs`, this.logBucket);
    const bucketId = this.bucket.id;

    this.publicAccessBlock = this.lockDown(name, this.bucket);

    this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
      bucket: bucketId,
      versioningConfiguration: { status: "Enabled" },
    }, child);

    if (args.encryption === "sse-kms") {
      if (args.kmsKeyArn) this.kmsKeyArn = pulumi.output(args.kmsKeyArn);
      else {
        this.kmsKey = customerKey(`${name}-key`, {
          description: `hybrid-inference checkpoint bucket ${name}`,
          region: args.region,
          accountId,
          use: { kind: "via-service", service: "s3", actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"] },
          tags: args.tags,
          protect: args.protect,
        }, child);
        this.kmsKeyArn = this.kmsKey.arn;
      }
    }
    this.encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
      bucket: bucketId,
      rules: [{
        applyServerSideEncryptionByDefault: this.kmsKeyArn
          ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn }
          : { sseAlgorithm: "AES256" },
        bucketKeyEnabled: this.kmsKeyArn !== undefined,
      }],
    }, child);

    this.policy = new aws.s3.BucketPolicy(`${name}-tls-only`, {
      bucket: bucketId,
      policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))),
    }, { parent: this, dependsOn: [this.publicAccessBlock] });

    this.lifecycle = new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
      bucket: bucketId,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: { prefix: "" },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
          id: "checkpoints-to-infrequent-access",
          status: "Enabled",
          filter: { prefix: CHECKPOINTS_PREFIX },
          transitions: [{ days: args.checkpointInfrequentAccessDays, storageClass: "STANDARD_IA" }],
        },
      ],
    }, { parent: this, dependsOn: [this.versioning] });

    // The log bucket: SSE-S3 only (server access log delivery does not support SSE-KMS on the target bucket:
    // docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html), versioned, no object lock
    // or default retention (either blocks delivery), logs expire after accessLogDays.
    const logVersioning = new aws.s3.BucketVersioning(`${name}-logs-versioning`, { bucket: this.logBucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-logs-encryption`, {
      bucket: this.logBucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, child);
    new aws.s3.BucketLifecycleConfiguration(`${name}-logs-lifecycle`, {
      bucket: this.logBucket.id,
      rules: [{
        id: "expire-access-logs",
        status: "Enabled",
        filter: { prefix: ACCESS_LOGS_PREFIX },
        expiration: { days: args.accessLogDays },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      }],
    }, { parent: this, dependsOn: [logVersioning] });
    const logPolicy = new aws.s3.BucketPolicy(`${name}-logs-policy`, {
      bucket: this.logBucket.id,
      policy: pulumi.all([this.logBucket.arn, this.bucket.arn, accountId]).apply(([logBucketArn, sourceBucketArn, id]) => JSON.stringify(accessLogBucketPolicy({ logBucketArn, sourceBucketArn, accountId: id }))),
    }, child);
    this.logging = new aws.s3.BucketLogging(`${name}-access-logging`, {
      bucket: bucketId,
      targetBucket: this.logBucket.id,
      targetPrefix: ACCESS_LOGS_PREFIX,
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    }, { parent: this, dependsOn: [logPolicy] });

    if (args.externalReader) {
      // The key lives in the Hetzner nodes' cloud-init, outside AWS. It gets its permissions only through a group
      // (never a policy on the user), and every statement works only from the readers' own addresses.
      if (!args.readerSourceCidrs) throw new Error("S3Checkpoints: an external reader needs readerSourceCidrs (its aws:SourceIp pin)");
      this.readerUser = new aws.iam.User(`${name}-model-reader`, { path: "/hybrid-inference/", tags: args.tags }, child);
      this.readerGroup = new aws.iam.Group(`${name}-model-readers`, { path: "/hybrid-inference/" }, child);
      new aws.iam.GroupPolicy(`${name}-model-readers`, {
        group: this.readerGroup.name,
        policy: pulumi.all([this.bucket.arn, pulumi.output(args.readerSourceCidrs), this.kmsKeyArn]).apply(([arn, cidrs, keyArn]) =>
          JSON.stringify({ Version: "2012-10-17", Statement: modelReadStatements(arn, { sourceCidrs: cidrs, region: args.region, ...(keyArn ? { kmsKeyArn: keyArn } : {}) }) })),
      }, child);
      new aws.iam.UserGroupMembership(`${name}-model-reader`, { user: this.readerUser.name, groups: [this.readerGroup.name] }, child);
      this.readerKey = new aws.iam.AccessKey(`${name}-model-reader`, { user: this.readerUser.name }, child);
      this.externalReader = {
        endpoint: `https://s3.${args.region}.amazonaws.com`,
        region: args.region,
        accessKeyId: pulumi.secret(this.readerKey.id),
        secretAccessKey: pulumi.secret(this.readerKey.secret),
      };
    }

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, logBucketName: this.logBucket.bucket });
  }

  /** All four public-access flags and ACLs disabled (BucketOwnerEnforced), for a bucket of this component. */
  private lockDown(name: string, bucket: aws.s3.Bucket): aws.s3.BucketPublicAccessBlock {
    const pab = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, { parent: this });
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
    return pab;
  }
}
