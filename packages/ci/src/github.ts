/**
 * What GitHub accepts as a repository, an environment and a branch pattern, and the OIDC claims
 * its Actions tokens carry, checked before any resource so a role never trusts a subject no job
 * can present (or one that matches more than meant).
 */

/** GitHub's OIDC issuer for Actions (docs.github.com, "About security hardening with OpenID Connect"). */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
/** The provider's host: the prefix of its condition keys (`token.actions.githubusercontent.com:sub`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub for by default. */
export const STS_AUDIENCE = "sts.amazonaws.com";

// Owner: 1-39 alphanumerics or single hyphens, not starting or ending with one (GitHub's sign-up
// rules; dead-claudia/github-limits). Name: 1-100 of ASCII letters, digits, '.', '-', '_', not
// "." or "..", not ending in .git or .wiki (github/docs issue 44518, Creating a new repository).
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Why `repository` is not a GitHub `owner/name`, or undefined when it is. */
export function repositoryProblem(repository: string): string | undefined {
  const parts = repository.split("/");
  const allowed =
    "Allowed: OWNER/NAME as GitHub shows it (e.g. octo-org/trafficlab): OWNER 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen; NAME 1 to 100 of letters, digits, '.', '-' and '_'";
  if (parts.length !== 2) return `${allowed}; this has ${parts.length - 1} '/'.`;
  const [owner, name] = parts as [string, string];
  if (!OWNER.test(owner)) return `${allowed}; the owner ${JSON.stringify(owner)} is not one.`;
  if (!NAME.test(name) || name === "." || name === "..") return `${allowed}; the name ${JSON.stringify(name)} is not one.`;
  if (/\.(git|wiki)$/i.test(name)) return `${allowed}; GitHub strips .git from a name and refuses .wiki, so ${JSON.stringify(name)} is no repository's.`;
  return undefined;
}

/**
 * Why GitHub (or the role's `sub` condition) would not take `environment`, or undefined.
 * GitHub: "An environment name may not exceed 255 characters" and names are not case sensitive
 * (docs.github.com, Managing environments for deployment). The `sub` claim is
 * `repo:OWNER/NAME:environment:ENV`, colon-separated, so a ':' would let one name pose as
 * another's suffix; ',' and ';' GitHub's environment form refuses; '*' and '?' are IAM wildcards.
 */
export function environmentProblem(environment: string): string | undefined {
  const allowed = "Allowed: a GitHub environment name of 1 to 255 characters, without leading or trailing spaces, control characters, or any of : , ; * ? / \\ ' \" `";
  if (environment.length === 0) return `${allowed}; this is empty.`;
  if (environment.length > 255) return `${allowed}; this has ${environment.length}.`;
  if (environment.trim() !== environment) return `${allowed}; this starts or ends with a space.`;
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x1f\x7f:,;*?/\\'"`]/.exec(environment);
  if (bad) return `${allowed}; this contains ${JSON.stringify(bad[0])}.`;
  return undefined;
}

/**
 * Why `pattern` is not a branch filter GitHub Actions matches (on.push.branches,
 * on.pull_request.branches), or undefined. Branch names follow git check-ref-format: no spaces,
 * no control characters, none of ~ ^ : \ , no "..", no "@{", not starting with '/' or '-';
 * a filter may add the glob characters * ** ? + [ ] and a leading ! (docs.github.com, Workflow
 * syntax, Filter pattern cheat sheet).
 */
export function branchPatternProblem(pattern: string): string | undefined {
  const allowed = "Allowed: a branch name or GitHub Actions filter pattern (main, release/*, 'releases/**'): no spaces or control characters, none of ~ ^ : \\, no '..' or '@{', not starting with '/' or '-', at most 255 characters";
  if (pattern.length === 0) return `${allowed}; this is empty.`;
  if (pattern.length > 255) return `${allowed}; this has ${pattern.length}.`;
  if (/\s/.test(pattern)) return `${allowed}; this contains a space.`;
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x1f\x7f~^:\\]/.exec(pattern);
  if (bad) return `${allowed}; this contains ${JSON.stringify(bad[0])}.`;
  const name = pattern.replace(/^!/, "");
  if (name.includes("..") || name.includes("@{")) return `${allowed}; this contains '..' or '@{'.`;
  if (/^[/-]/.test(name) || name.endsWith("/") || name.endsWith(".lock")) return `${allowed}; git refuses a branch that starts with '/' or '-' or ends with '/' or '.lock'.`;
  return undefined;
}

/** The `sub` of a job run for a pull request of `repository` (GitHub's default subject template). */
export function pullRequestSubject(repository: string): string {
  return `repo:${repository}:pull_request`;
}

/** The `sub` of a job that names `environment` (`environment:` in the workflow), GitHub's default template. */
export function environmentSubject(repository: string, environment: string): string {
  return `repo:${repository}:environment:${environment}`;
}

/** The trust policy of a role GitHub Actions assumes: this provider, the STS audience, exactly this subject. */
export function githubTrustPolicy(oidcProviderArn: string, subject: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        // StringEquals, never StringLike: the subject names one repository and one trigger or environment.
        Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subject } },
      },
    ],
  };
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}
