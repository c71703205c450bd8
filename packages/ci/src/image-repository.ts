import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentChecks, requireIntegerInRange } from "@trafficlab/validation";

export const API_IMAGE_REPOSITORY_TYPE = "trafficlab:ci:ApiImageRepository";

export const API_IMAGE_REPOSITORY_DEFAULTS = {
  /**
   * Images kept, newest first; older ones expire (a rollback reaches this far back).
   * @default 30
   */
  retainImages: 30,
  /**
   * Days an untagged image (a layer set a new push of a tag left behind) is kept.
   * @default 7
   */
  untaggedExpiryDays: 7,
} as const;

export interface ApiImageRepositoryArgs {
  /**
   * The repository's name, e.g. `trafficlab/api`. Force-new (tf-aws ecr/func.resourceRepository):
   * a new name is a new, empty repository, so a stack passes a fixed one, never a setting.
   */
  repositoryName: string;
  /** Images kept, newest first, 1 to 1000; older ones expire. */
  retainImages?: number;
  /** Days an untagged image is kept, 1 to 365. */
  untaggedExpiryDays?: number;
  /** Added to the repository's tags. */
  tags?: Record<string, string>;
}

// AWS ECR CreateRepository repositoryName pattern, 2 to 256 characters.
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export interface ApiImageRepositorySettings {
  repositoryName: string;
  retainImages: number;
  untaggedExpiryDays: number;
}

export function resolveApiImageRepositorySettings(name: string, args: ApiImageRepositoryArgs): ApiImageRepositorySettings {
  const checks = new ArgumentChecks(`ApiImageRepository "${name}"`);
  if (typeof args.repositoryName !== "string" || args.repositoryName.length < 2 || args.repositoryName.length > 256 || !REPOSITORY_NAME.test(args.repositoryName)) {
    checks.refuse("repositoryName", args.repositoryName, "Allowed: 2 to 256 lower-case letters, digits and single . _ - separators, in /-separated parts (ECR's repository name rule).");
  }
  // An ECR lifecycle count is 1 or more; the upper bounds only catch a typo (no rollback reaches 1000 images back).
  const retainImages = checks.take(() => requireIntegerInRange(checks.component, "retainImages", args.retainImages ?? API_IMAGE_REPOSITORY_DEFAULTS.retainImages, 1, 1000), 1);
  const untaggedExpiryDays = checks.take(() => requireIntegerInRange(checks.component, "untaggedExpiryDays", args.untaggedExpiryDays ?? API_IMAGE_REPOSITORY_DEFAULTS.untaggedExpiryDays, 1, 365), 1);
  checks.done();
  return { repositoryName: args.repositoryName, retainImages, untaggedExpiryDays };
}

/** The ECR lifecycle policy: untagged images expire after `untaggedExpiryDays`, and only the newest `retainImages` images stay. */
export function imageLifecyclePolicy(settings: Pick<ApiImageRepositorySettings, "retainImages" | "untaggedExpiryDays">): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${settings.untaggedExpiryDays} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: settings.untaggedExpiryDays },
        action: { type: "expire" },
      },
      {
        // A tagStatus "any" rule must come last (highest rulePriority): ECR lifecycle policy rules.
        rulePriority: 2,
        description: `keep the newest ${settings.retainImages} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: settings.retainImages },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * The API image's registry: immutable tags (a tag names one image for ever, so a stack's
 * `apiImage` cannot change under it), a vulnerability scan on every push, encryption at rest,
 * a lifecycle rule. AWS refuses to delete it while it holds images (forceDelete false).
 */
export class ApiImageRepository extends pulumi.ComponentResource {
  /** The arguments as checked, with defaults. */
  readonly settings: ApiImageRepositorySettings;
  /** The repository's ARN (what the deploy role may push to). */
  readonly repositoryArn: pulumi.Output<string>;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: where `docker push` goes. */
  readonly repositoryUrl: pulumi.Output<string>;
  /** The child resources. */
  readonly nodes: { repository: aws.ecr.Repository; lifecyclePolicy: aws.ecr.LifecyclePolicy };

  constructor(name: string, args: ApiImageRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveApiImageRepositorySettings(name, args);
    super(API_IMAGE_REPOSITORY_TYPE, name, {}, opts);
    this.settings = settings;
    const child = { parent: this };
    const repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: settings.repositoryName,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        // AES256 (S3-managed keys): encrypted at rest with no KMS request charges; the type is
        // force-new, so it is fixed here rather than offered as a setting.
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: false,
        tags: args.tags ?? {},
      },
      child,
    );
    const lifecyclePolicy = new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, { repository: repository.name, policy: JSON.stringify(imageLifecyclePolicy(settings)) }, child);
    this.repositoryArn = repository.arn;
    this.repositoryUrl = repository.repositoryUrl;
    this.nodes = { repository, lifecyclePolicy };
    this.registerOutputs({ repositoryArn: this.repositoryArn, repositoryUrl: this.repositoryUrl });
  }
}
