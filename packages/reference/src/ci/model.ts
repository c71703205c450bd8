// The typed model of a project's GitHub workflows: what `pnpm generate ci` asks for and what
// renders this repository's own .github/workflows (workflows.ts turns it into YAML). Bad input is
// refused here, before anything is written, naming the flag, the value and what is allowed.

/** A Pulumi stack the workflows preview on pull requests and `pulumi up` on merge. */
export interface CiStack {
  /** The Pulumi stack (Pulumi.<name>.yaml). */
  name: string;
  /** The GitHub environment its up job runs in: the deploy role trusts it, its protection rules gate it. */
  environment: string;
}

export interface CiModel {
  /** owner/name: when set, the deploy jobs run only there (a fork with the same variables never deploys). */
  repository: string | undefined;
  /** The branch whose pushes deploy (a GitHub branch filter pattern). */
  defaultBranch: string;
  /**
   * The stacks, in deploy order: the first is deployed on every merge without a reviewer; each
   * later one after the one before it succeeded, with the same image digest, in an environment
   * that should have required reviewers.
   */
  stacks: CiStack[];
  /** The Region of the ci stack's roles, ECR repository and state bucket. */
  awsRegion: string;
  /** Node.js of the checks: the lowest the project supports (package.json engines). */
  nodeVersion: string;
  /** Node.js of the preview and deploy jobs: README, Node versions (22+ for a real pulumi up). */
  deployNodeVersion: string;
  /** undefined: pnpm/action-setup reads package.json's packageManager (the action refuses both). */
  pnpmVersion: string | undefined;
  /** The Pulumi CLI the jobs install: the version of the project's @pulumi/pulumi. */
  pulumiVersion: string;
  /** The API image the deploy builds and pushes to ECR. */
  api: { context: string; dockerfile: string | undefined; buildArgs: Record<string, string> };
}

/**
 * Repository variables the workflows read, set once from the ci stack's outputs
 * (`pulumi stack output -s ci <output>`). A variable set on an environment wins over the
 * repository's for a job in that environment: that is how each stack's deploy job can use a
 * role of its own.
 */
export const CI_VARIABLES = {
  PREVIEW_ROLE_ARN: "previewRoleArn",
  DEPLOY_ROLE_ARN: "deployRoleArn",
  ECR_REPOSITORY_URL: "ecrRepositoryUrl",
  STATE_BUCKET: "stateBucket",
  SECRETS_PROVIDER: "secretsProvider",
} as const;

/** The GitHub environment of a stack nobody names one for: prod's is the conventional `production`. */
export function defaultEnvironment(stack: string): string {
  return stack === "prod" ? "production" : stack;
}

/** Bad input for `pnpm generate ci`: every problem at once, each naming its flag. */
export class CiInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`pnpm generate ci: invalid input:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

// GitHub's rules for account and repository names (its sign-up and new-repository forms):
// an owner is 1-39 letters, digits and single hyphens, not at either end; a repository name is
// 1-100 ASCII letters, digits, '.', '-' and '_', not "." or "..", not ending in .git or .wiki.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function repositoryProblem(flag: string, value: string): string | undefined {
  const [owner, name, ...rest] = value.split("/");
  const allowed = "owner/name: an owner of 1-39 letters, digits and single inner hyphens, a name of 1-100 letters, digits, '.', '-' and '_'";
  if (rest.length > 0 || owner === undefined || name === undefined) return `${flag} ${JSON.stringify(value)} is not allowed; expected ${allowed}`;
  if (!OWNER.test(owner)) return `${flag} ${JSON.stringify(value)} is not allowed: the owner ${JSON.stringify(owner)} is not a GitHub account name; expected ${allowed}`;
  if (!REPO_NAME.test(name) || name === "." || name === ".." || /\.(git|wiki)$/i.test(name)) return `${flag} ${JSON.stringify(value)} is not allowed: ${JSON.stringify(name)} is not a GitHub repository name; expected ${allowed} (not "." or "..", not ending in .git or .wiki)`;
  return undefined;
}

// GitHub: "An environment name may not exceed 255 characters" and names are not case sensitive
// (docs, Managing environments for deployment). Narrower here, because the deploy role's trust
// matches the name inside the OIDC subject `repo:<owner>/<name>:environment:<environment>`, where
// ':' separates the fields and '*' and '?' are IAM wildcards.
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

export function environmentProblem(flag: string, value: string): string | undefined {
  if (ENVIRONMENT.test(value)) return undefined;
  const why = value.length > 255 ? "GitHub refuses an environment name over 255 characters" : "the deploy role matches it in the OIDC subject repo:<owner>/<name>:environment:<name>, where ':' separates fields and '*' and '?' are wildcards";
  return `${flag} environment ${JSON.stringify(value)} is not allowed: ${why}; expected 1 to 255 letters, digits, '.', '_' and '-'`;
}

// A branch filter is a git ref name with GitHub's glob characters (* ** ? + [ ] !): git refuses
// whitespace, control characters, '..', '~', '^', ':', '\', '@{', a leading or trailing '/' or
// '.', and a trailing '.lock' (git check-ref-format).
export function branchProblem(flag: string, value: string): string | undefined {
  const allowed = "a git branch name or a GitHub branch pattern (main, release/*): no spaces, no '..', '~', '^', ':', '\\' or '@{'";
  if (value === "") return `${flag} is empty; expected ${allowed}`;
  if (/\s/.test(value)) return `${flag} ${JSON.stringify(value)} is not allowed: a branch pattern has no spaces (git refuses them in a branch name); expected ${allowed}`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f~^:\\]|\.\.|@\{|^[/.]|[/.]$|\.lock$/.test(value)) return `${flag} ${JSON.stringify(value)} is not allowed: git refuses it as a branch name; expected ${allowed}`;
  return undefined;
}

// Pulumi stack names: letters, digits, '-', '_' and '.' (pulumi stack init refuses the rest).
const STACK = /^[A-Za-z0-9_.-]{1,100}$/;

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export interface CiFlags {
  out?: string;
  stacks?: string;
  repo?: string;
  branch?: string;
  region?: string;
  apiContext?: string;
  /** KEY=VALUE build arguments of the API image. */
  apiBuildArgs?: Record<string, string>;
}

/** The model for `--stacks dev,prod=production --repo owner/name ...`, or every problem with the flags. */
export function ciModelFromFlags(flags: CiFlags, defaults: Omit<CiModel, "stacks" | "repository"> & { repository?: string }): CiModel {
  const problems: string[] = [];
  const stacks: CiStack[] = [];
  const stackList = flags.stacks ?? "dev,prod";
  for (const entry of stackList.split(",")) {
    const [name = "", environment, ...extra] = entry.split("=");
    if (extra.length > 0 || !STACK.test(name)) {
      problems.push(`--stacks ${JSON.stringify(stackList)}: ${JSON.stringify(entry)} is not allowed; expected stack[=environment], e.g. dev,prod=production, a stack name of letters, digits, '-', '_' and '.'`);
      continue;
    }
    const env = environment ?? defaultEnvironment(name);
    const problem = environmentProblem(`--stacks ${name}=${env}:`, env);
    if (problem) problems.push(problem);
    if (stacks.some((s) => s.name === name)) problems.push(`--stacks ${JSON.stringify(stackList)}: stack ${name} is listed twice`);
    stacks.push({ name, environment: env });
  }
  const repository = flags.repo ?? defaults.repository;
  if (repository !== undefined) {
    const problem = repositoryProblem("--repo", repository);
    if (problem) problems.push(problem);
  }
  const defaultBranch = flags.branch ?? defaults.defaultBranch;
  const branch = branchProblem("--branch", defaultBranch);
  if (branch) problems.push(branch);
  const awsRegion = flags.region ?? defaults.awsRegion;
  if (!AWS_REGION.test(awsRegion)) problems.push(`--region ${JSON.stringify(awsRegion)} is not allowed; expected an AWS Region such as ap-northeast-2`);
  const context = flags.apiContext ?? defaults.api.context;
  if (context === "" || context.startsWith("/") || context.split("/").includes("..")) problems.push(`--api-context ${JSON.stringify(context)} is not allowed; expected a directory inside the project, relative to its root (e.g. api)`);
  const buildArgs = flags.apiBuildArgs ?? defaults.api.buildArgs;
  for (const key of Object.keys(buildArgs)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problems.push(`--api-build-arg ${JSON.stringify(key)} is not allowed; expected KEY=VALUE with a KEY of letters, digits and '_'`);
  if (problems.length > 0) throw new CiInputError(problems);
  return { ...defaults, repository, defaultBranch, stacks, awsRegion, api: { ...defaults.api, context, buildArgs } };
}
