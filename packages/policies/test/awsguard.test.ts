import { expect } from "chai";
// The policy objects are @internal in AWSGuard's typings (its modules type-export only their
// config args), so each module's runtime exports are the policies AwsGuard registers.
import * as apiGateway from "@pulumi/awsguard/apiGateway";
import * as compute from "@pulumi/awsguard/compute";
import * as database from "@pulumi/awsguard/database";
import * as elasticsearch from "@pulumi/awsguard/elasticsearch";
import * as network from "@pulumi/awsguard/network";
import * as security from "@pulumi/awsguard/security";
import * as storage from "@pulumi/awsguard/storage";
import type { Policies } from "@pulumi/policy";
import { runPolicies } from "@trafficlab/policies";
import { runTrafficlabStack } from "./stack-under-mocks";

const awsGuardPolicies = [apiGateway, compute, database, elasticsearch, network, security, storage].flatMap(
  (module) => Object.values(module as Record<string, unknown>),
) as Policies;

/**
 * AWSGuard's findings on our stacks that we accept; the package README says why, row by row.
 * `policy resource`, in the order the runner reports them.
 */
const ACCEPTED = {
  dev: [
    "ec2-instance-detailed-monitoring-enabled dev-api-instance",
    "ec2-instance-no-public-ip dev-api-instance",
    "ec2-volume-inuse dev-api-instance",
    "rds-instance-multi-az-enabled dev-db-mysql",
  ],
  prod: [],
};

describe("the public AWSGuard pack (@pulumi/awsguard 0.3.1) over our stacks", () => {
  it("loads all 26 AWSGuard policies", () => {
    expect(awsGuardPolicies).to.have.length(26);
    expect(awsGuardPolicies.map((p) => p.name)).to.include.members(["rds-storage-encrypted", "encrypted-volumes", "rds-instance-public-access"]);
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: finds exactly the accepted list, even with every policy mandatory`, async () => {
      const { graph } = await runTrafficlabStack(stack);
      // new AwsGuard({ all: "mandatory" }): nothing hides behind "advisory".
      const violations = await runPolicies(graph.resources, { environment: stack, policies: awsGuardPolicies, defaultEnforcementLevel: "mandatory" });
      expect(violations.map((v) => `${v.policyName} ${v.resourceName}`)).to.deep.equal(ACCEPTED[stack]);
    });
  }

  it("is not blind: it flags an unencrypted, public database and an unencrypted root volume", async () => {
    const { graph } = await runTrafficlabStack("dev");
    const resources = graph.resources.map((r) =>
      r.type === "aws:rds/instance:Instance" ? { ...r, inputs: { ...r.inputs, storageEncrypted: false, publiclyAccessible: true } }
      : r.type === "aws:ec2/instance:Instance" ? { ...r, inputs: { ...r.inputs, rootBlockDevice: { encrypted: false } } }
      : r,
    );
    const violations = await runPolicies(resources, { environment: "dev", policies: awsGuardPolicies });
    expect(violations.map((v) => v.policyName)).to.include.members(["rds-storage-encrypted", "rds-instance-public-access", "encrypted-volumes"]);
  });
});
