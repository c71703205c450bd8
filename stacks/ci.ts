import * as pulumi from "@pulumi/pulumi";
import { ApiImageRepository, GithubDeployRoles, StateBackend } from "@trafficlab/ci";
import { componentArgs, componentNames } from "./components";
import type { StackConfig } from "./config";

/**
 * hosting: ci — what GitHub Actions needs to preview and deploy the other stacks, and nothing of
 * the API: the OIDC provider and the two roles, the API image's ECR repository, and the team's
 * state backend (bucket + KMS key, protected). Its own state stays where `pulumi up -s ci` ran
 * (the local backend): it creates the bucket the other stacks then move to.
 */
export function ciProgram(config: StackConfig) {
  const names = componentNames(config.stack);
  const args = componentArgs(config, config, {}).ci;
  // `<project>-<stack>`: the alias and the bucket prefix are per account, and another project may have a `ci` stack too.
  const backend = new StateBackend(`${config.project}-${config.stack}`, { tags: args.roles.tags });
  const image = new ApiImageRepository(names.image, args.imageRepository);
  const roles = new GithubDeployRoles(names.github, { ...args.roles, stateBucketArn: backend.bucketArn, stateKeyArn: backend.keyArn, imageRepositoryArn: image.repositoryArn });
  return {
    hosting: "ci",
    // The facts the workflows and the repository's variables take (README, Deploy from CI).
    previewRoleArn: roles.previewRoleArn,
    deployRoleArn: roles.deployRoleArn,
    // Each deployed stack's iamPermissionsBoundary: the deploy role creates no role without it.
    stackRoleBoundaryArn: roles.stackRoleBoundaryArn,
    ecrRepositoryUrl: image.repositoryUrl,
    stateBucket: backend.bucketName,
    secretsProvider: backend.secretsProvider,
    backendUrl: backend.backendUrl,
    oidcProviderArn: roles.oidcProviderArn,
    awsRegion: config.region,
    githubRepository: roles.settings.repository,
    deployEnvironment: roles.settings.deployEnvironment,
    deployStacks: roles.settings.stacks,
    previewBranches: config.previewBranches,
    deployBranch: config.deployBranch,
    // The commands that move a stack onto the backend (pulumi stack change-secrets-provider keeps its secrets).
    loginCommand: pulumi.interpolate`pulumi login ${backend.backendUrl}`,
  };
}
