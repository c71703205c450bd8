import { expect } from "chai";
import { decodeUserData } from "@trafficlab/fleet";
import { StackConfigError } from "../config";
import { runStack } from "./dev-stack";

describe("prod stack (Pulumi.prod.yaml under mocks)", () => {
  it("keeps data safe: deletion protection, a final snapshot, 7-day backups, Multi-AZ", async () => {
    const { graph } = await runStack("prod");
    expect(graph.one("aws:rds/instance:Instance").inputs).to.include({
      deletionProtection: true,
      skipFinalSnapshot: false,
      backupRetentionPeriod: 7,
      multiAz: true,
    });
  });

  it("protects and retains the database and the cache: no `pulumi up` or `destroy` deletes them", async () => {
    const { graph } = await runStack("prod");
    for (const type of ["trafficlab:database:Database", "aws:rds/instance:Instance", "trafficlab:token-cache:TokenCache", "aws:elasticache/replicationGroup:ReplicationGroup"]) {
      expect(graph.one(type).protect, type).to.equal(true);
      expect(graph.retainsOnDelete(graph.one(type)), type).to.equal(true);
    }
    expect(graph.one("aws:autoscaling/group:Group").protect).to.equal(false);
  });

  it("leaves the cache's credentials rotatable: neither protected nor retained", async () => {
    const { graph } = await runStack("prod");
    for (const name of ["prod-tokens-credentials", "prod-tokens-password", "prod-tokens-app-user", "prod-tokens-app-user-in-group"]) {
      const resource = graph.named(name);
      expect(resource.protect, name).to.equal(false);
      expect(graph.retainsOnDelete(resource), name).to.equal(false);
    }
  });

  it("runs a cache replica with automatic failover", async () => {
    const { graph } = await runStack("prod");
    expect(graph.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs).to.include({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true });
  });

  it("runs the API as the series' part 12 does: a load balancer in front of 1 to 2 c5a.large instances, scaled on 70 % CPU", async () => {
    const { graph, outputs } = await runStack("prod");
    expect(graph.ofType("aws:ec2/instance:Instance")).to.deep.equal([]);
    expect(graph.one("trafficlab:fleet:ApiFleet").name).to.equal("prod-api");
    expect(graph.one("aws:autoscaling/group:Group").inputs).to.include({ minSize: 1, maxSize: 2, healthCheckType: "ELB" });
    expect(graph.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.instanceType).to.equal("c5a.large");
    const policy = graph.one("aws:autoscaling/policy:Policy").inputs.targetTrackingConfiguration as { targetValue: number; predefinedMetricSpecification: { predefinedMetricType: string } };
    expect(policy.targetValue).to.equal(70);
    expect(policy.predefinedMetricSpecification.predefinedMetricType).to.equal("ASGAverageCPUUtilization");
    // pulumi up waits for the refresh it starts (Pulumi.prod.yaml's fleetWaitForRefresh).
    expect(graph.ofType("command:local:Command").map((c) => c.name)).to.deep.equal(["prod-api-refresh-wait"]);
    expect(outputs.url).to.match(/^http:\/\/prod-api-alb-/);
    expect(outputs.followRefreshCommand).to.include("aws autoscaling describe-instance-refreshes");
    expect(outputs).not.to.have.any.keys("sshCommand", "publicIp", "previousImage");
  });

  it("lets the data tier admit the fleet's instances only", async () => {
    const { graph } = await runStack("prod");
    const instances = graph.one("aws:ec2/securityGroup:SecurityGroup", "prod-api-instance-sg");
    for (const port of [3306, 6379]) {
      const rules = graph.ingressRules(port);
      expect(rules.map((r) => r.sourceSecurityGroupId), `rules for ${port}`).to.deep.equal([instances.id]);
    }
  });

  it("keeps every secret out of plain inputs, the launch template's user data included", async () => {
    const { graph, outputs } = await runStack("prod");
    const userData = decodeUserData(String(graph.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData));
    for (const secret of [outputs.databasePassword, outputs.cachePassword] as string[]) {
      expect(graph.plainUsesOf(secret)).to.deep.equal([]);
      expect(userData).not.to.include(secret);
    }
  });

  it("moves back to a single host with hosting: single, the series' host size and a stable address", async () => {
    const { graph } = await runStack("prod", { "trafficlab:hosting": "single" });
    expect(graph.one("aws:ec2/instance:Instance").inputs.instanceType).to.equal("c5a.2xlarge");
    expect(graph.ofType("aws:ec2/eip:Eip")).to.have.length(1);
    expect(graph.ofType("aws:autoscaling/group:Group")).to.deep.equal([]);
  });

  it("refuses a prod stack that drops a safety setting, before creating anything", async () => {
    let error: unknown;
    try {
      await runStack("prod", { "trafficlab:dbSkipFinalSnapshot": "true", "trafficlab:dbBackupRetentionDays": "1", "trafficlab:protectData": "false" });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(StackConfigError);
    const message = (error as Error).message;
    expect(message).to.include("trafficlab:dbSkipFinalSnapshot = true is not allowed; false in a prod stack");
    expect(message).to.include("trafficlab:dbBackupRetentionDays = 1 is not allowed; 7 or more in a prod stack");
    expect(message).to.include("trafficlab:protectData = false is not allowed; true in a prod stack");
  });
});
