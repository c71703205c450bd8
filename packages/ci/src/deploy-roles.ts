import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentChecks } from "@trafficlab/validation";
import { GITHUB_OIDC_URL, STS_AUDIENCE, environmentProblem, environmentSubject, githubTrustPolicy, pullRequestSubject, repositoryProblem } from "./github";
import { deployPermissions, previewPermissions, stackRoleBoundary, stackRoleBoundaryName } from "./permissions";

export const GITHUB_DEPLOY_ROLES_TYPE = "trafficlab:ci:GithubDeployRoles";

export const GITHUB_DEPLOY_ROLES_DEFAULTS = {
  /**
   * The GitHub environment whose jobs may assume the deploy role.
   * @default "production"
   */
  deployEnvironment: "production",
  /**
   * The `Project` tag and path prefix of the stacks' resources.
   * @default "trafficlab"
   */
  project: "trafficlab",
  /**
   * Seconds a role session lasts (the IAM minimum; a `pulumi up` of the fleet waits for its refresh within it).
   * @default 3600
   */
  maxSessionDurationSeconds: 3600,
} as const;

export interface GithubDeployRolesArgs {
  /** The GitHub repository, `owner/name`, whose workflows assume the roles. */
  repository: string;
  /** The GitHub environment the deploy job names (`environment:` in the workflow). */
  deployEnvironment?: string;
  /** The stacks the roles preview and deploy: their `Stack` tag and name prefix. */
  stacks: readonly string[];
  /** The `Project` tag and the `/<project>/<stack>/` path prefix of the stacks' parameters and log groups. */
  project?: string;
  /** The state bucket (StateBackend.bucketArn). */
  stateBucketArn: pulumi.Input<string>;
  /** The secrets provider's KMS key (StateBackend.keyArn). */
  stateKeyArn: pulumi.Input<string>;
  /** The ECR repository the deploy role may push to (ApiImageRepository.repositoryArn). */
  imageRepositoryArn?: pulumi.Input<string>;
  /** Route 53 zones the stacks write records in; none: no Route 53 write. */
  hostedZoneIds?: readonly string[];
  /**
   * An account has one OIDC provider per URL: give its ARN when it exists already (another
   * project made it), and this component creates none.
   */
  existingOidcProviderArn?: string;
  /** Seconds a role session lasts, 3600 to 43200. */
  maxSessionDurationSeconds?: number;
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
}

export interface GithubDeployRolesSettings {
  repository: string;
  deployEnvironment: string;
  stacks: string[];
  project: string;
  maxSessionDurationSeconds: number;
  previewSubject: string;
  deploySubject: string;
}

// IAM role names: at most 64 characters; the auto-name adds "-" and 7 characters.
const ROLE_NAME_ROOM = 64 - 8;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** Checks every argument; throws one InvalidArgumentError naming all problems before anything is registered. */
export function resolveGithubDeployRolesSettings(name: string, args: GithubDeployRolesArgs): GithubDeployRolesSettings {
  const checks = new ArgumentChecks(`GithubDeployRoles "${name}"`);
  const deployEnvironment = args.deployEnvironment ?? GITHUB_DEPLOY_ROLES_DEFAULTS.deployEnvironment;
  const project = args.project ?? GITHUB_DEPLOY_ROLES_DEFAULTS.project;
  const maxSessionDurationSeconds = args.maxSessionDurationSeconds ?? GITHUB_DEPLOY_ROLES_DEFAULTS.maxSessionDurationSeconds;
  const repositoryRefusal = typeof args.repository === "string" ? repositoryProblem(args.repository) : "Allowed: OWNER/NAME.";
  if (repositoryRefusal) checks.refuse("repository", args.repository, repositoryRefusal);
  const environmentRefusal = environmentProblem(deployEnvironment);
  if (environmentRefusal) checks.refuse("deployEnvironment", deployEnvironment, environmentRefusal);
  const stacks = [...(args.stacks ?? [])];
  if (stacks.length === 0) checks.refuse("stacks", args.stacks, "Allowed: the names of the stacks the roles serve, at least one (e.g. dev, prod).");
  for (const stack of stacks) {
    if (!STACK_NAME.test(stack)) checks.refuse("stacks", stack, "Allowed: a stack name of letters, digits and hyphens, starting with a letter (it is the Stack tag and the name prefix the deploy role is scoped to).");
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(project)) checks.refuse("project", project, "Allowed: lower-case letters, digits and hyphens (the Project tag and the /<project>/<stack>/ path prefix).");
  if (!Number.isInteger(maxSessionDurationSeconds) || maxSessionDurationSeconds < 3600 || maxSessionDurationSeconds > 43200) {
    checks.refuse("maxSessionDurationSeconds", maxSessionDurationSeconds, "Allowed: a whole number of seconds from 3600 to 43200 (IAM's MaxSessionDuration).");
  }
  if (args.existingOidcProviderArn !== undefined && !OIDC_PROVIDER_ARN.test(args.existingOidcProviderArn)) {
    checks.refuse("existingOidcProviderArn", args.existingOidcProviderArn, "Allowed: the ARN of the account's GitHub provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com (aws iam list-open-id-connect-providers).");
  }
  if (`${name}-preview`.length > ROLE_NAME_ROOM || `${name}-deploy`.length > ROLE_NAME_ROOM) {
    checks.refuse("name", name, `Allowed: at most ${ROLE_NAME_ROOM - "-preview".length} characters (IAM role names have 64, with Pulumi's 8-character suffix).`);
  }
  checks.done();
  return {
    repository: args.repository,
    deployEnvironment,
    stacks,
    project,
    maxSessionDurationSeconds,
    previewSubject: pullRequestSubject(args.repository),
    deploySubject: environmentSubject(args.repository, deployEnvironment),
  };
}

/**
 * Roles GitHub Actions assumes with its OIDC token, so no AWS key is stored in GitHub: a preview
 * role for the repository's pull requests (read-only), and a deploy role for jobs of one GitHub
 * environment (what `pulumi up` of the stacks needs, scoped to their tags and names).
 */
export class GithubDeployRoles extends pulumi.ComponentResource {
  /** The arguments as checked, with defaults and the two `sub` claims the roles trust. */
  readonly settings: GithubDeployRolesSettings;
  /** The GitHub OIDC provider the roles trust (created, or the existing one given). */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The read-only role pull-request jobs assume (`role-to-assume` of aws-actions/configure-aws-credentials). */
  readonly previewRoleArn: pulumi.Output<string>;
  /** The role jobs of the deploy environment assume. */
  readonly deployRoleArn: pulumi.Output<string>;
  /** The permissions boundary every role of the stacks must carry: each stack's `iamPermissionsBoundary`. */
  readonly stackRoleBoundaryArn: pulumi.Output<string>;
  /** The child resources, for what the arguments do not offer. */
  readonly nodes: {
    oidcProvider: aws.iam.OpenIdConnectProvider | undefined;
    previewRole: aws.iam.Role;
    deployRole: aws.iam.Role;
    previewPolicy: aws.iam.RolePolicy;
    deployPolicy: aws.iam.RolePolicy;
    stackRoleBoundary: aws.iam.Policy;
  };

  constructor(name: string, args: GithubDeployRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveGithubDeployRolesSettings(name, args);
    super(GITHUB_DEPLOY_ROLES_TYPE, name, {}, opts);
    this.settings = settings;
    const child = { parent: this };
    const tags = args.tags ?? {};

    // The url is force-new (tf-aws iam/func.resourceOpenIDConnectProvider): it never carries a setting.
    // No thumbprint: IAM verifies GitHub's certificate through its own trusted CAs (AWS IAM User Guide, 2023).
    const oidcProvider = args.existingOidcProviderArn ? undefined : new aws.iam.OpenIdConnectProvider(`${name}-github-oidc`, { url: GITHUB_OIDC_URL, clientIdLists: [STS_AUDIENCE], tags }, child);
    this.oidcProviderArn = oidcProvider ? oidcProvider.arn : pulumi.output(args.existingOidcProviderArn!);

    const identity = aws.getCallerIdentityOutput({}, child);
    const region = aws.getRegionOutput({}, child);
    const scope = pulumi.all([identity.accountId, region.region]).apply(([accountId, regionName]) => ({ accountId, region: regionName, project: settings.project, stacks: settings.stacks }));
    const state = pulumi.all([args.stateBucketArn, args.stateKeyArn]).apply(([bucketArn, keyArn]) => ({ bucketArn, keyArn }));

    const role = (kind: "preview" | "deploy", subject: string, description: string) =>
      new aws.iam.Role(
        `${name}-${kind}`,
        {
          assumeRolePolicy: this.oidcProviderArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, subject))),
          description,
          maxSessionDuration: settings.maxSessionDurationSeconds,
          tags,
        },
        child,
      );
    // Descriptions are in place (iam:UpdateRole), so they may name the repository.
    const previewRole = role("preview", settings.previewSubject, `pulumi preview from pull requests of ${settings.repository}`);
    const deployRole = role("deploy", settings.deploySubject, `pulumi up from the ${settings.deployEnvironment} environment of ${settings.repository}`);
    // A fixed name, so the ARN the stacks' config holds is known before and kept after: name,
    // path and description are force-new (tf-aws v6.58.0 iam/func.resourcePolicy#L51-L74), the
    // document changes in place (a new default version, func.resourcePolicyUpdate).
    const stackRoleBoundaryPolicy = new aws.iam.Policy(
      `${name}-stack-role-boundary`,
      {
        name: stackRoleBoundaryName(name),
        description: "Permissions boundary of the roles the deployed stacks create",
        policy: scope.apply((s) => JSON.stringify(stackRoleBoundary(s))),
        tags,
      },
      child,
    );
    const previewPolicy = new aws.iam.RolePolicy(`${name}-preview-read`, { role: previewRole.id, policy: pulumi.all([scope, state]).apply(([s, st]) => JSON.stringify(previewPermissions(s, st))) }, child);
    const deployPolicy = new aws.iam.RolePolicy(
      `${name}-deploy-stacks`,
      {
        role: deployRole.id,
        policy: pulumi
          .all([scope, state, args.imageRepositoryArn, stackRoleBoundaryPolicy.arn])
          .apply(([s, st, imageRepositoryArn, roleBoundaryArn]) => JSON.stringify(deployPermissions(s, st, { roleBoundaryArn, imageRepositoryArn, hostedZoneIds: args.hostedZoneIds }))),
      },
      child,
    );

    this.previewRoleArn = previewRole.arn;
    this.deployRoleArn = deployRole.arn;
    this.stackRoleBoundaryArn = stackRoleBoundaryPolicy.arn;
    this.nodes = { oidcProvider, previewRole, deployRole, previewPolicy, deployPolicy, stackRoleBoundary: stackRoleBoundaryPolicy };
    this.registerOutputs({ oidcProviderArn: this.oidcProviderArn, previewRoleArn: this.previewRoleArn, deployRoleArn: this.deployRoleArn, stackRoleBoundaryArn: this.stackRoleBoundaryArn });
  }
}
