import { expect } from "chai";
import { mandatoryViolations, runPolicies, type Violation } from "@trafficlab/policies";
import { installMocks } from "@trafficlab/testing";
import { reportingDatabase, type ReportingDatabaseArgs } from "../reporting-database";

const ids: ReportingDatabaseArgs = { vpcId: "vpc-0abc", privateSubnetIds: ["subnet-a", "subnet-b"], appSecurityGroupId: "sg-0app" };

/** Runs the program under Pulumi mocks, then the trafficlab policies over what it registered, as `pulumi preview --policy-pack` would. */
async function mandatoryFindings(args: Partial<ReportingDatabaseArgs> = {}, environment: "dev" | "prod" = "dev"): Promise<string[]> {
  const program = installMocks({ project: "policy-checks", stack: environment });
  reportingDatabase("reports", { ...ids, ...args });
  const graph = await program.settled();
  const violations: Violation[] = await runPolicies(graph.resources, { environment });
  return mandatoryViolations(violations).map((v) => `${v.policyName} ${v.resourceName ?? "(stack)"}`);
}

describe("the trafficlab policies over a stack of our own (under Pulumi mocks)", () => {
  it("find nothing mandatory in the database as written", async () => {
    expect(await mandatoryFindings()).to.deep.equal([]);
  });

  it("stop a publicly accessible database", async () => {
    expect(await mandatoryFindings({ publiclyAccessible: true })).to.deep.equal(["no-public-database reports-mysql"]);
  });

  it("stop MySQL opened to the internet", async () => {
    expect(await mandatoryFindings({ openToInternet: true })).to.deep.equal(["no-internet-ingress-to-data-ports reports-from-anywhere"]);
  });

  it("hold a production stack to the production rules", async () => {
    expect(await mandatoryFindings({}, "prod")).to.include.members(["prod-rds-deletion-protection reports-mysql", "prod-protect-stateful-resources reports-mysql"]);
  });
});
