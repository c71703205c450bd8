import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { expectRejected, installMocks, resolveOutput } from "@trafficlab/testing";
import { dataTier, type DataTierArgs } from "../data-tier";

const existingVpc: DataTierArgs = {
  vpcId: "vpc-0123456789abcdef0",
  privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
  appSecurityGroupId: "sg-0app",
};

// Pulumi mocks: nothing reaches AWS. installMocks() answers like AWS and records every resource.
async function deploy(args: DataTierArgs = existingVpc) {
  const program = installMocks({ project: "data-tier", stack: "test" });
  const tier = dataTier("orders", args);
  const graph = await program.settled();
  return { tier, graph };
}

describe("a trafficlab data tier in an existing VPC (under Pulumi mocks)", () => {
  it("puts MySQL and Valkey in the VPC's private subnets, not reachable from the internet", async () => {
    const { graph } = await deploy();
    const rds = graph.one("aws:rds/instance:Instance").inputs;
    expect(rds).to.include({ engine: "mysql", publiclyAccessible: false, storageEncrypted: true, dbName: "orders" });
    const subnetGroups = [graph.one("aws:rds/subnetGroup:SubnetGroup"), graph.one("aws:elasticache/subnetGroup:SubnetGroup")];
    for (const group of subnetGroups) expect(group.inputs.subnetIds).to.deep.equal(existingVpc.privateSubnetIds);
    for (const group of graph.ofType("aws:ec2/securityGroup:SecurityGroup")) expect(group.inputs.vpcId).to.equal(existingVpc.vpcId);
    const cache = graph.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs;
    expect(cache).to.include({ engine: "valkey", atRestEncryptionEnabled: true, transitEncryptionEnabled: true });
  });

  it("admits 3306 and 6379 only from the application's security group", async () => {
    const { graph } = await deploy();
    for (const port of [3306, 6379]) {
      const rules = graph.ingressRules(port);
      expect(rules.map((rule) => rule.sourceSecurityGroupId), `port ${port}`).to.deep.equal(["sg-0app"]);
      expect(rules.filter((rule) => rule.cidrIpv4 || rule.cidrIpv6), `port ${port}`).to.deep.equal([]);
    }
  });

  it("keeps the cache password secret and out of every plain input", async () => {
    const { tier, graph } = await deploy();
    const password = await resolveOutput(tier.outputs.cachePassword);
    expect(password).to.have.length.greaterThan(20);
    expect(await pulumi.isSecret(tier.outputs.cachePassword)).to.equal(true);
    expect(await pulumi.isSecret(tier.outputs.cacheUrl)).to.equal(true);
    expect(graph.plainUsesOf(password).map(({ resource, path }) => `${resource.name}.${path}`)).to.deep.equal([]);
    expect(await resolveOutput(tier.outputs.databasePasswordSecretArn)).to.match(/^arn:aws:secretsmanager:/);
  });

  it("refuses a retired instance class before creating anything", async () => {
    const program = installMocks({ project: "data-tier", stack: "test" });
    await expectRejected(program, () => dataTier("orders", { ...existingVpc, databaseClass: "db.t2.micro" }), "instanceClass", "db.t2.micro");
  });
});
