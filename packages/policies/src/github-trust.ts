/**
 * What is wrong with a role's trust of GitHub Actions' OIDC provider: the checks AWS and GitHub
 * tell every such role to make (AWS IAM User Guide, "Configuring a role for GitHub OIDC identity
 * provider"; docs.github.com, "Configuring OpenID Connect in Amazon Web Services"): an `aud`
 * condition of sts.amazonaws.com, and a `sub` condition naming one repository, with no wildcard
 * that would let another repository's (or any branch's, any workflow's) token in.
 */

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
const AUD = `${GITHUB_OIDC_HOST}:aud`;
const SUB = `${GITHUB_OIDC_HOST}:sub`;

/** Operators that grant when the claim matches (the negated ones check nothing). */
const EQUALS = /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase)$/;
const LIKE = /^(ForAnyValue:|ForAllValues:)?StringLike$/;

type Json = Record<string, unknown>;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function trustsGithub(statement: Json): boolean {
  const principal = statement.Principal;
  if (principal === null || typeof principal !== "object") return false;
  return list((principal as Json).Federated).some((p) => typeof p === "string" && (p === GITHUB_OIDC_HOST || p.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`)));
}

/** Every value a granting operator tests `key` against, with whether the operator is a wildcard match. */
function valuesOf(condition: Json, key: string): { value: string; like: boolean; operator: string }[] {
  const found: { value: string; like: boolean; operator: string }[] = [];
  for (const [operator, tests] of Object.entries(condition)) {
    const like = LIKE.test(operator);
    if (!like && !EQUALS.test(operator)) continue;
    if (tests === null || typeof tests !== "object") continue;
    for (const [testKey, values] of Object.entries(tests as Json)) {
      if (testKey.toLowerCase() !== key.toLowerCase()) continue;
      for (const value of list(values)) found.push({ value: String(value), like, operator });
    }
  }
  return found;
}

/** `repo:OWNER/NAME:...` with OWNER and NAME free of wildcards; what follows may only be literal too. */
const ONE_REPOSITORY = /^repo:[^/:*?]+\/[^/:*?]+:/;

/** The problems of a trust policy (a JSON string or the parsed document), one sentence each; none when it does not trust GitHub. */
export function githubTrustProblems(policy: unknown): string[] {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  const problems: string[] = [];
  const statements = list((document as Json | undefined)?.Statement).filter((s): s is Json => s !== null && typeof s === "object");
  statements.forEach((statement, index) => {
    if (statement.Effect !== "Allow" || !trustsGithub(statement)) return;
    const where = `statement ${typeof statement.Sid === "string" ? `"${statement.Sid}"` : index}`;
    const condition = (statement.Condition ?? {}) as Json;
    const auds = valuesOf(condition, AUD);
    if (auds.length === 0) {
      problems.push(`${where} trusts GitHub's OIDC provider without an aud check: add StringEquals "${AUD}": "sts.amazonaws.com", so a token minted for another audience is refused`);
    } else if (auds.some((a) => a.value !== "sts.amazonaws.com" && (a.like || a.value.includes("*")))) {
      problems.push(`${where} checks aud with a wildcard (${auds.map((a) => `${a.operator} ${JSON.stringify(a.value)}`).join(", ")}): use StringEquals "${AUD}": "sts.amazonaws.com"`);
    }
    const subs = valuesOf(condition, SUB);
    if (subs.length === 0) {
      problems.push(`${where} trusts GitHub's OIDC provider without a sub check, so any repository's workflow can assume the role: add StringEquals "${SUB}": "repo:OWNER/NAME:pull_request" (or ":environment:ENV")`);
      return;
    }
    for (const sub of subs) {
      if (!ONE_REPOSITORY.test(sub.value)) {
        problems.push(`${where} trusts any repository: sub ${JSON.stringify(sub.value)} (${sub.operator}) does not name one repository; use "repo:OWNER/NAME:pull_request" or "repo:OWNER/NAME:environment:ENV"`);
      } else if (sub.like && /[*?]/.test(sub.value)) {
        problems.push(`${where} has a wildcard sub: ${sub.operator} ${JSON.stringify(sub.value)} matches more than one trigger of the repository; use StringEquals with its pull_request or environment subject`);
      }
    }
  });
  return problems;
}
