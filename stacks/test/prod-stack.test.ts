import { expect } from "chai";
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
    expect(graph.one("aws:ec2/instance:Instance").protect).to.equal(false);
  });

  it("leaves the cache's credentials rotatable: neither protected nor retained", async () => {
    const { graph } = await runStack("prod");
    for (const name of ["prod-tokens-credentials", "prod-tokens-password", "prod-tokens-app-user", "prod-tokens-app-user-in-group"]) {
      const resource = graph.named(name);
      expect(resource.protect, name).to.equal(false);
      expect(graph.retainsOnDelete(resource), name).to.equal(false);
    }
  });

  it("runs a cache replica with automatic failover, the series' host size and a stable address", async () => {
    const { graph } = await runStack("prod");
    expect(graph.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs).to.include({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true });
    expect(graph.one("aws:ec2/instance:Instance").inputs.instanceType).to.equal("c5a.2xlarge");
    expect(graph.ofType("aws:ec2/eip:Eip")).to.have.length(1);
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
