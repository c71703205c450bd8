import { expect } from "chai";
import { mandatoryViolations, runPolicies, type Violation } from "@trafficlab/policies";
import { runTrafficlabStack } from "./stack-under-mocks";

const summary = (violations: Violation[]) => violations.map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resourceName ?? "(stack)"}`);

describe("@trafficlab/policies over our stacks (Pulumi.<stack>.yaml under mocks)", () => {
  it("dev: zero mandatory violations; the advisories are the judgement calls dev accepts", async () => {
    const { graph } = await runTrafficlabStack("dev");
    const violations = await runPolicies(graph.resources, { environment: "dev" });
    expect(summary(mandatoryViolations(violations))).to.deep.equal([]);
    // Dev is disposable and cheap: no Elastic IP, no NAT gateway.
    expect(summary(violations)).to.deep.equal([
      "advisory host-public-ip-without-eip dev-api-instance",
      "advisory private-subnets-without-nat dev-network-vpc",
    ]);
  });

  it("prod: zero mandatory violations, with the production rules on", async () => {
    const { graph } = await runTrafficlabStack("prod");
    const violations = await runPolicies(graph.resources, { environment: "prod" });
    expect(summary(mandatoryViolations(violations))).to.deep.equal([]);
    // Nothing private needs the internet in prod either (Pulumi.prod.yaml: nat none).
    expect(summary(violations)).to.deep.equal(["advisory private-subnets-without-nat prod-network-vpc"]);
  });

  it("dev and prod with iamPermissionsBoundary: every role carries it (iam-roles-share-boundary)", async () => {
    const boundary = { "trafficlab:iamPermissionsBoundary": "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary", "trafficlab:alarmSlackWorkspaceId": "T0123456789", "trafficlab:alarmSlackChannelId": "C0123456789" };
    for (const stack of ["dev", "prod"] as const) {
      const { graph } = await runTrafficlabStack(stack, boundary);
      const violations = await runPolicies(graph.resources, { environment: stack === "prod" ? "prod" : "dev" });
      expect(summary(mandatoryViolations(violations)), stack).to.deep.equal([]);
    }
  });

  it("ci: zero violations; its roles trust GitHub narrowly (github-oidc-trust-narrow)", async () => {
    const { graph } = await runTrafficlabStack("ci", { "trafficlab:githubRepository": "octo-org/trafficlab" });
    expect(graph.ofType("aws:iam/role:Role").map((r) => r.name).sort()).to.deep.equal(["ci-github-deploy", "ci-github-preview"]);
    expect(summary(await runPolicies(graph.resources, { environment: "dev" }))).to.deep.equal([]);
  });

  it("prod: the production rules do look at the stack (dev's settings under prod rules fail)", async () => {
    // Guards against a prod run that passes because the rules never saw a prod resource.
    const { graph } = await runTrafficlabStack("dev");
    const violations = await runPolicies(graph.resources, { environment: "prod" });
    expect(summary(mandatoryViolations(violations))).to.have.members([
      "mandatory prod-rds-deletion-protection dev-db-mysql",
      "mandatory prod-rds-final-snapshot dev-db-mysql",
      "mandatory prod-rds-backup-retention dev-db-mysql",
      "mandatory prod-protect-stateful-resources dev-db",
      "mandatory prod-protect-stateful-resources dev-db-mysql",
      "mandatory prod-protect-stateful-resources dev-tokens",
      "mandatory prod-protect-stateful-resources dev-tokens-group",
    ]);
  });

  it("stays quiet on both stacks even when it sees the secret inputs, as `pulumi preview --policy-pack` does", async () => {
    // The real runtime unwraps secrets without marking them; our stacks keep secrets out of
    // every scanned field, so the difference from the in-process default does not matter.
    for (const stack of ["dev", "prod"] as const) {
      const { graph } = await runTrafficlabStack(stack);
      const violations = await runPolicies(graph.resources, { environment: stack, plainInputsOnly: [] });
      expect(summary(mandatoryViolations(violations)), stack).to.deep.equal([]);
    }
  });
});
