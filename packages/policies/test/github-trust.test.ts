import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { installMocks } from "@trafficlab/testing";
import { githubTrustProblems, runPolicies } from "@trafficlab/policies";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const AUD = "token.actions.githubusercontent.com:aud";
const SUB = "token.actions.githubusercontent.com:sub";

function trust(condition?: Record<string, Record<string, unknown>>, principal: Record<string, unknown> = { Federated: PROVIDER }) {
  return { Version: "2012-10-17", Statement: [{ Sid: "Github", Effect: "Allow", Principal: principal, Action: "sts:AssumeRoleWithWebIdentity", ...(condition ? { Condition: condition } : {}) }] };
}

describe("@trafficlab/policies: github-oidc-trust-narrow", () => {
  it("accepts the pull-request and environment subjects of one repository with the STS audience", () => {
    for (const sub of ["repo:octo-org/trafficlab:pull_request", "repo:octo-org/trafficlab:environment:production", ["repo:a/b:pull_request", "repo:a/b:environment:staging"]]) {
      expect(githubTrustProblems(trust({ StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: sub } })), JSON.stringify(sub)).to.deep.equal([]);
    }
    // StringLike without a wildcard is an exact match too.
    expect(githubTrustProblems(JSON.stringify(trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:a/b:pull_request" } })))).to.deep.equal([]);
  });

  it("leaves roles that do not trust GitHub alone: a service role, another OIDC provider, a Deny", () => {
    expect(githubTrustProblems(trust(undefined, { Service: "ec2.amazonaws.com" }))).to.deep.equal([]);
    expect(githubTrustProblems(trust(undefined, { Federated: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }))).to.deep.equal([]);
    const deny = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity" }] };
    expect(githubTrustProblems(deny)).to.deep.equal([]);
  });

  it("refuses a missing aud, a wildcard aud, a missing sub, any repository and a wildcard sub, each in its own words", () => {
    const cases: [unknown, string][] = [
      [trust({ StringEquals: { [SUB]: "repo:a/b:pull_request" } }), "without an aud check"],
      [trust({ StringLike: { [AUD]: "*", [SUB]: "repo:a/b:pull_request" } }), "checks aud with a wildcard"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" } }), "without a sub check"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "*" } }), "trusts any repository"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:*" } }), "trusts any repository"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:octo-org/*" } }), "trusts any repository"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:octo-org/trafficlab:*" } }), "wildcard sub"],
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, "ForAnyValue:StringLike": { [SUB]: ["repo:a/b:pull_request", "repo:a/b:ref:refs/heads/*"] } }), "wildcard sub"],
      // A negated operator checks nothing: still no sub check.
      [trust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringNotEquals: { [SUB]: "repo:evil/x:pull_request" } }), "without a sub check"],
      [trust(), "without an aud check"],
    ];
    for (const [policy, says] of cases) {
      const problems = githubTrustProblems(policy);
      expect(problems.join("\n"), says).to.include(says);
    }
  });

  it("is mandatory in the pack and names the role", async () => {
    const program = installMocks();
    new aws.iam.Role("deploy", { assumeRolePolicy: JSON.stringify(trust({ StringLike: { [AUD]: "sts.amazonaws.com", [SUB]: "repo:*" } })) });
    new aws.iam.Role("good", { assumeRolePolicy: JSON.stringify(trust({ StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: "repo:a/b:pull_request" } })) });
    const violations = (await runPolicies((await program.settled()).resources, { environment: "dev" })).filter((v) => v.policyName === "github-oidc-trust-narrow");
    expect(violations.map((v) => [v.enforcementLevel, v.message.slice(0, 18)])).to.deep.equal([["mandatory", 'IAM role "deploy":']]);
  });
});
