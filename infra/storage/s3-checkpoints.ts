import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CHECKPOINTS_PREFIX, MODELS_PREFIX, type ExternalReader } from "./layout";

export interface S3CheckpointsArgs {
  region: string;
  tags: Record<string, string>;
  protect: boolean;
  noncurrentVersionDays: number;
  checkpointInfrequentAccessDays: number;
  kmsKeyArn?: string;
  /** Create a read-only IAM user for the models prefix, for nodes outside AWS. */
  externalReader: boolean;
}

/** The S3 policy statements that grant read access to the models prefix and nothing else. */
export function modelReadStatements(bucketArn: string): aws.iam.PolicyStatement[] {
  return [
    { Sid: "ReadModels", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/${MODELS_PREFIX}*`] },
    {
      Sid: "ListModels",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": [MODELS_PREFIX, `${MODELS_PREFIX}*`] } },
    },
  ];
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

/** Versioned, encrypted, private S3 bucket for models and checkpoints. */
export class S3Checkpoints extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  readonly versioning: aws.s3.BucketVersioning;
  readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  readonly policy: aws.s3.BucketPolicy;
  readonly lifecycle: aws.s3.BucketLifecycleConfiguration;
  readonly readerUser?: aws.iam.User;
  readonly externalReader?: ExternalReader;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: S3CheckpointsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:storage:S3Checkpoints", name, {}, opts);
    const keep: pulumi.CustomResourceOptions = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const child: pulumi.CustomResourceOptions = { parent: this };

    this.bucket = new aws.s3.Bucket(name, { forceDestroy: false, tags: args.tags }, keep);
    const bucketId = this.bucket.id;

    this.publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, child);

    new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
      bucket: bucketId,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }, child);

    this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
      bucket: bucketId,
      versioningConfiguration: { status: "Enabled" },
    }, child);

    this.encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
      bucket: bucketId,
      rules: [{
        applyServerSideEncryptionByDefault: args.kmsKeyArn
          ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
          : { sseAlgorithm: "AES256" },
        bucketKeyEnabled: args.kmsKeyArn !== undefined,
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

    if (args.externalReader) {
      this.readerUser = new aws.iam.User(`${name}-model-reader`, { path: "/hybrid-inference/", tags: args.tags }, child);
      new aws.iam.UserPolicy(`${name}-model-reader`, {
        user: this.readerUser.name,
        policy: this.bucket.arn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: modelReadStatements(arn) })),
      }, child);
      const key = new aws.iam.AccessKey(`${name}-model-reader`, { user: this.readerUser.name }, child);
      this.externalReader = {
        endpoint: `https://s3.${args.region}.amazonaws.com`,
        region: args.region,
        accessKeyId: pulumi.secret(key.id),
        secretAccessKey: pulumi.secret(key.secret),
      };
    }

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
