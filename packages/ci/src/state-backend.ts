import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { PolicyDocument } from "./github";

export const STATE_BACKEND_TYPE = "trafficlab:ci:StateBackend";

export interface StateBackendArgs {
  /** Added to the bucket's and the key's tags. */
  tags?: Record<string, string>;
}

/** Denies every request to the bucket that is not over TLS (AWS S3 User Guide, aws:SecureTransport). */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "DenyPlainHttp", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": false } } }],
  };
}

/** `awskms://<key id>?region=<region>`: what `pulumi stack init --secrets-provider` takes (Pulumi docs, Secrets, AWS KMS). */
export function awsKmsSecretsProvider(keyId: string, region: string): string {
  return `awskms://${keyId}?region=${region}`;
}

/** `s3://<bucket>?region=<region>`: what `pulumi login` takes for a DIY backend in S3 (Pulumi docs, State and backends). */
export function s3BackendUrl(bucket: string, region: string): string {
  return `s3://${bucket}?region=${region}`;
}

/**
 * A state backend for a team: an S3 bucket (versioned, so every checkpoint can be restored;
 * encrypted with the key; no public access; TLS only) and a KMS key for the stacks' secrets
 * (`pulumi stack init --secrets-provider awskms://...`). Both are stateful and protected by
 * default: losing the key loses every secret of every stack that uses it.
 */
export class StateBackend extends pulumi.ComponentResource {
  /** The state bucket's name. */
  readonly bucketName: pulumi.Output<string>;
  /** The state bucket's ARN. */
  readonly bucketArn: pulumi.Output<string>;
  /** The secrets key's ARN. */
  readonly keyArn: pulumi.Output<string>;
  /** The secrets key's id. */
  readonly keyId: pulumi.Output<string>;
  /** `pulumi login` of the bucket. */
  readonly backendUrl: pulumi.Output<string>;
  /** `--secrets-provider` of the key. */
  readonly secretsProvider: pulumi.Output<string>;
  /** The child resources. */
  readonly nodes: {
    bucket: aws.s3.Bucket;
    key: aws.kms.Key;
    keyAlias: aws.kms.Alias;
    versioning: aws.s3.BucketVersioning;
    encryption: aws.s3.BucketServerSideEncryptionConfiguration;
    publicAccessBlock: aws.s3.BucketPublicAccessBlock;
    tlsOnly: aws.s3.BucketPolicy;
  };

  constructor(name: string, args: StateBackendArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(STATE_BACKEND_TYPE, name, {}, opts);
    const tags = args.tags ?? {};
    const child = { parent: this };
    // Stateful: protected unless the caller says otherwise (the options inherit from this component).
    const stateful = { parent: this, protect: opts?.protect ?? true };
    // The default key policy (the account's IAM decides who may use the key); rotation yearly.
    // Description is in place (kms:UpdateKeyDescription); a 30-day window lets a deletion be cancelled.
    const key = new aws.kms.Key(`${name}-secrets-key`, { description: `Pulumi state and secrets of ${name}`, enableKeyRotation: true, deletionWindowInDays: 30, tags }, stateful);
    // The alias is for people (aws kms list-aliases); the provider URL names the key id, so a
    // renamed alias breaks no stack.
    const keyAlias = new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/${name}-pulumi-secrets`, targetKeyId: key.keyId }, child);
    // Auto-named `<name>-state-<random>`: S3 names are global, and the name is force-new.
    const bucket = new aws.s3.Bucket(`${name}-state`, { forceDestroy: false, tags }, stateful);
    const versioning = new aws.s3.BucketVersioning(`${name}-state-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-state-encryption`,
      // A bucket key: one KMS request per object a while, not per request (AWS S3 User Guide, S3 Bucket Keys).
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] },
      child,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-state-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    const tlsOnly = new aws.s3.BucketPolicy(`${name}-state-tls-only`, { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) }, { parent: this, dependsOn: [publicAccessBlock] });

    const region = aws.getRegionOutput({}, child).region;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.backendUrl = pulumi.all([bucket.bucket, region]).apply(([b, r]) => s3BackendUrl(b, r));
    this.secretsProvider = pulumi.all([key.keyId, region]).apply(([k, r]) => awsKmsSecretsProvider(k, r));
    this.nodes = { bucket, key, keyAlias, versioning, encryption, publicAccessBlock, tlsOnly };
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, keyArn: this.keyArn, backendUrl: this.backendUrl, secretsProvider: this.secretsProvider });
  }
}
