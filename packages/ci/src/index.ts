export {
  GITHUB_OIDC_URL,
  GITHUB_OIDC_HOST,
  STS_AUDIENCE,
  repositoryProblem,
  environmentProblem,
  branchPatternProblem,
  pullRequestSubject,
  environmentSubject,
  githubTrustPolicy,
  type PolicyDocument,
  type PolicyStatement,
} from "./github";
export { previewPermissions, deployPermissions, stackRoleBoundary, stackRoleBoundaryName, READ_ACTIONS, CREATE_ACTIONS, CHANGE_ACTIONS, IMAGE_PUSH_ACTIONS, DENIED_ACTIONS, type StackScope, type StateAccess, type DeployExtras } from "./permissions";
export { GithubDeployRoles, GITHUB_DEPLOY_ROLES_TYPE, GITHUB_DEPLOY_ROLES_DEFAULTS, resolveGithubDeployRolesSettings, type GithubDeployRolesArgs, type GithubDeployRolesSettings } from "./deploy-roles";
export { ApiImageRepository, API_IMAGE_REPOSITORY_TYPE, API_IMAGE_REPOSITORY_DEFAULTS, resolveApiImageRepositorySettings, imageLifecyclePolicy, type ApiImageRepositoryArgs, type ApiImageRepositorySettings } from "./image-repository";
export { StateBackend, STATE_BACKEND_TYPE, tlsOnlyBucketPolicy, awsKmsSecretsProvider, s3BackendUrl, type StateBackendArgs } from "./state-backend";
