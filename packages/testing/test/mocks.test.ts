import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { installMocks, resolveOutput } from "@trafficlab/testing";

describe("@trafficlab/testing mocks", () => {
  it("records type, name, parent, inputs, secrets and dependencies of each resource", async () => {
    const program = installMocks();
    class Holder extends pulumi.ComponentResource {
      constructor(name: string) {
        super("test:index:Holder", name);
        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: "10.1.0.0/16" }, { parent: this });
        new aws.ec2.Subnet(
          `${name}-subnet`,
          { vpcId: vpc.id, cidrBlock: "10.1.0.0/20", tags: { token: pulumi.secret("s3cr3t") } },
          { parent: this, protect: true },
        );
        this.registerOutputs({});
      }
    }
    new Holder("h");
    const graph = await program.settled();
    const vpc = graph.one("aws:ec2/vpc:Vpc");
    const subnet = graph.one("aws:ec2/subnet:Subnet");
    expect(vpc.id).to.match(/^vpc-[0-9a-f]{17}$/);
    expect(subnet.parent).to.equal(graph.one("test:index:Holder").urn);
    expect(subnet.inputs.vpcId).to.equal(vpc.id);
    expect(subnet.dependencies).to.include(vpc.urn);
    expect(subnet.propertyDependencies.vpcId).to.deep.equal([vpc.urn]);
    // The SDK sends the whole map as secret once one value in it is.
    expect(subnet.secretPaths).to.deep.equal(["tags"]);
    expect(subnet.protect).to.equal(true);
    expect(graph.waitsFor(subnet, vpc)).to.equal(true);
    expect(graph.plainUsesOf("s3cr3t")).to.deep.equal([]);
  });

  it("answers AWS-like endpoints for RDS, ElastiCache and EC2", async () => {
    const program = installMocks();
    const db = new aws.rds.Instance("db", { instanceClass: "db.t3.micro", engine: "mysql", manageMasterUserPassword: true });
    const cache = new aws.elasticache.ReplicationGroup("cache", { description: "x", replicationGroupId: "tokens" });
    const host = new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro" });
    expect(await resolveOutput(db.address)).to.match(/^db\.c[0-9a-f]+\.ap-northeast-2\.rds\.amazonaws\.com$/);
    expect(await resolveOutput(db.port)).to.equal(3306);
    expect(await resolveOutput(db.masterUserSecrets)).to.have.length(1);
    expect(await resolveOutput(cache.primaryEndpointAddress)).to.match(/^master\.tokens\..*\.apn2\.cache\.amazonaws\.com$/);
    expect(await resolveOutput(host.publicIp)).to.match(/^203\.0\.113\.\d+$/);
    await program.settled();
  });

  it("answers availability zones and SSM parameters, and records the call", async () => {
    const program = installMocks({ region: "us-east-1" });
    const zones = await aws.getAvailabilityZones({ state: "available" });
    expect(zones.names).to.deep.equal(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]);
    const ami = await aws.ssm.getParameter({ name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" });
    expect(ami.value).to.match(/^ami-[0-9a-f]{17}$/);
    expect(program.graph.calls.map((c) => c.token)).to.include("aws:ssm/getParameter:getParameter");
  });

  it("flags an input that carries a secret's value without being secret", async () => {
    const program = installMocks();
    new aws.ec2.Vpc("leaky", { cidrBlock: "10.0.0.0/16", tags: { note: "password=hunter2" } });
    const graph = await program.settled();
    expect(graph.plainUsesOf("hunter2").map((hit) => hit.path)).to.deep.equal(["tags.note"]);
  });
});
