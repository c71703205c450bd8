import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Database, type DatabaseArgs, extendedSupportMonthlyUsd, finalSnapshotIdentifier, parseEngineVersion } from "@trafficlab/database";
import { expectRejected, installMocks, resolveOutput, withCapturedConsole, type MockedProgram } from "@trafficlab/testing";

const RDS = "aws:rds/instance:Instance";
const ids: DatabaseArgs = { vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroupIds: ["sg-api"] };

async function build(args: Partial<DatabaseArgs> = {}) {
  const program = installMocks();
  const database = new Database("db", { ...ids, ...args });
  const graph = await program.settled();
  return { database, graph };
}

describe("@trafficlab/database", () => {
  describe("defaults", () => {
    it("creates MySQL 8.4 on db.t3.micro with 20 GiB of encrypted gp3, private", async () => {
      const { graph } = await build();
      const rds = graph.one(RDS).inputs;
      expect(rds).to.include({
        engine: "mysql",
        engineVersion: "8.4",
        engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        instanceClass: "db.t3.micro",
        allocatedStorage: 20,
        storageType: "gp3",
        storageEncrypted: true,
        publiclyAccessible: false,
        multiAz: false,
        dbName: "trafficlab",
        username: "admin",
      });
    });

    it("has RDS manage the master password in Secrets Manager", async () => {
      const { database, graph } = await build();
      const rds = graph.one(RDS).inputs;
      expect(rds.manageMasterUserPassword).to.equal(true);
      expect(rds).not.to.have.property("password");
      expect(await resolveOutput(database.masterUserSecretArn)).to.match(/^arn:aws:secretsmanager:ap-northeast-2:\d+:secret:rds!db-/);
    });

    it("keeps the safe lifecycle defaults: deletion protection, a final snapshot of its own, 7-day backups", async () => {
      const { graph } = await build();
      const rds = graph.one(RDS);
      expect(rds.inputs).to.include({ deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 7 });
      // Named when the instance is created and never changed after, so each instance's final snapshot has a name of its own.
      expect(rds.inputs.finalSnapshotIdentifier).to.match(/^db-final-\d{8}-\d{6}$/);
      expect(rds.ignoreChanges).to.include("finalSnapshotIdentifier");
    });

    it("names final snapshots after the instance's creation time, in the form RDS accepts", () => {
      expect(finalSnapshotIdentifier("prod-db", new Date("2026-11-30T02:40:22.123Z"))).to.equal("prod-db-final-20261130-024022");
      expect(finalSnapshotIdentifier("9_db--x-", new Date("2026-01-02T03:04:05Z"))).to.equal("db-x-final-20260102-030405");
    });

    it("applies class and storage changes in the maintenance window unless asked to apply them now", async () => {
      expect((await build()).graph.one(RDS).inputs.applyImmediately).to.equal(false);
      expect((await build({ applyImmediately: true })).graph.one(RDS).inputs.applyImmediately).to.equal(true);
    });

    it("uses a parameter group of the engine's family with utf8mb4, UTC and TLS required", async () => {
      const { graph } = await build();
      const params = graph.one("aws:rds/parameterGroup:ParameterGroup");
      expect(params.inputs.family).to.equal("mysql8.4");
      const values = Object.fromEntries((params.inputs.parameters as { name: string; value: string }[]).map((p) => [p.name, p.value]));
      expect(values).to.deep.equal({ character_set_server: "utf8mb4", collation_server: "utf8mb4_0900_ai_ci", time_zone: "UTC", require_secure_transport: "1" });
      expect(graph.one(RDS).inputs.parameterGroupName).to.equal(params.outputs.name).and.match(/^db-params-/);
    });

    it("places the instance in its own subnet group over the given private subnets", async () => {
      const { graph } = await build();
      const subnetGroup = graph.one("aws:rds/subnetGroup:SubnetGroup");
      expect(subnetGroup.inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b"]);
      expect(graph.waitsFor(graph.one(RDS), subnetGroup)).to.equal(true);
    });

    it("admits 3306 only from the given security groups, never from a CIDR", async () => {
      const { database, graph } = await build();
      const sg = graph.one("aws:ec2/securityGroup:SecurityGroup");
      expect(graph.one(RDS).inputs.vpcSecurityGroupIds).to.deep.equal([sg.id]);
      const rules = graph.ingressRules().filter((rule) => rule.securityGroupId === sg.id);
      expect(rules).to.have.length(1);
      expect(rules[0]).to.include({ fromPort: 3306, toPort: 3306, sourceSecurityGroupId: "sg-api", cidrIpv4: undefined, cidrIpv6: undefined });
      // Rules are resources of their own, so another project can add its own to the group; no egress
      // (the provider drops AWS's default egress rule when it creates the group).
      expect(rules[0]!.resource.type).to.equal("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(sg.inputs).not.to.have.any.keys("ingress", "egress");
      expect(graph.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).to.deep.equal([]);
      expect(await resolveOutput(database.securityGroupId)).to.equal(sg.id);
    });

    it("exposes its children and lets a caller change one: arguments merged, or a function over args and options", async () => {
      const { database, graph } = await build({
        transform: {
          instance: (args, opts) => {
            args.performanceInsightsEnabled = true;
            opts.ignoreChanges = [...(opts.ignoreChanges ?? []), "tags"];
          },
          parameterGroup: { description: "MySQL settings of the orders database" },
        },
      });
      const rds = graph.one(RDS);
      expect(rds.inputs.performanceInsightsEnabled).to.equal(true);
      expect(rds.ignoreChanges).to.include.members(["finalSnapshotIdentifier", "tags"]);
      expect(graph.one("aws:rds/parameterGroup:ParameterGroup").inputs.description).to.equal("MySQL settings of the orders database");
      expect(await resolveOutput(database.nodes.instance.id)).to.equal(rds.id);
      expect(database.nodes.ingressRules).to.have.length(1);
    });

    it("parents every child to the component and names it after it", async () => {
      const { graph } = await build();
      const component = graph.one("trafficlab:database:Database");
      const children = graph.childrenOf(component);
      expect(children.map((c) => c.name).sort()).to.deep.equal(["db-mysql", "db-params", "db-sg", "db-sg-from-0", "db-subnets"]);
    });

    it("exposes address, port, endpoint, name and user", async () => {
      const { database } = await build();
      const address = await resolveOutput(database.address);
      expect(address).to.match(/\.ap-northeast-2\.rds\.amazonaws\.com$/);
      expect(await resolveOutput(database.port)).to.equal(3306);
      expect(await resolveOutput(database.endpoint)).to.equal(`${address}:3306`);
      expect(await resolveOutput(database.databaseName)).to.equal("trafficlab");
      expect(await resolveOutput(database.username)).to.equal("admin");
    });
  });

  describe("settings", () => {
    it("passes the design document's dev choices through", async () => {
      const { graph } = await build({ timeZone: "Asia/Seoul", backupRetentionDays: 1, deletionProtection: false, skipFinalSnapshot: true });
      const rds = graph.one(RDS).inputs;
      expect(rds).to.include({ backupRetentionPeriod: 1, deletionProtection: false, skipFinalSnapshot: true });
      expect(rds).not.to.have.property("finalSnapshotIdentifier");
      const params = graph.one("aws:rds/parameterGroup:ParameterGroup").inputs.parameters as { name: string; value: string }[];
      expect(params).to.deep.include({ name: "time_zone", value: "Asia/Seoul" });
    });

    it("sends a given password as a secret and nowhere in plain text", async () => {
      const { database, graph } = await build({ password: pulumi.secret("Correct-Horse-9") });
      const rds = graph.one(RDS);
      expect(rds.inputs.password).to.equal("Correct-Horse-9");
      expect(rds.secretPaths).to.include("password");
      expect(rds.inputs).not.to.have.property("manageMasterUserPassword");
      expect(graph.plainUsesOf("Correct-Horse-9")).to.deep.equal([]);
      expect(await resolveOutput(database.masterUserSecretArn)).to.equal(undefined);
    });

    it("accepts MySQL 8.0 with Extended Support and family mysql8.0, and warns what it costs", async () => {
      const { result, lines } = await withCapturedConsole(() => build({ engineVersion: "8.0" }));
      const { graph } = result;
      expect(lines.join("\n")).to.include("MySQL 8.0 is on paid RDS Extended Support").and.include("USD 175.2/month");
      expect(graph.one(RDS).inputs.engineLifecycleSupport).to.equal("open-source-rds-extended-support");
      expect(graph.one("aws:rds/parameterGroup:ParameterGroup").inputs.family).to.equal("mysql8.0");
    });

    it("prices 8.0 Extended Support at USD 0.12 per vCPU-hour (about 175/month on 2 vCPUs)", () => {
      expect(extendedSupportMonthlyUsd("8.0", "db.t3.micro")).to.equal(175.2);
      expect(extendedSupportMonthlyUsd("8.4", "db.t3.micro")).to.equal(0);
    });

    it("accepts a pinned minor RDS still creates", () => {
      expect(parseEngineVersion("8.4.6")).to.deep.equal({ major: "8.4", minor: 6 });
      expect(parseEngineVersion("8.0.33")).to.equal(undefined);
    });

    it("restores from a snapshot when asked", async () => {
      const { graph } = await build({ restoreFromSnapshot: "dev-db-final-snapshot" });
      expect(graph.one(RDS).inputs).to.include({ snapshotIdentifier: "dev-db-final-snapshot" });
      // The provider leaves DBName out of a MySQL restore; keeping it means no diff once restored.
      expect(graph.one(RDS).inputs).to.include({ dbName: "trafficlab" });
    });

    it("turns on storage autoscaling and Multi-AZ when asked", async () => {
      const { graph } = await build({ maxAllocatedStorageGiB: 100, multiAz: true, instanceClass: "db.t4g.small" });
      expect(graph.one(RDS).inputs).to.include({ maxAllocatedStorage: 100, multiAz: true, instanceClass: "db.t4g.small" });
    });
  });

  describe("bad input fails before any resource is registered", () => {
    let program: MockedProgram;
    beforeEach(() => (program = installMocks()));
    const reject = (args: Partial<DatabaseArgs>, ...fragments: string[]) =>
      expectRejected(program, () => new Database("db", { ...ids, ...args }), 'trafficlab:database:Database "db"', ...fragments);

    it("MySQL 5.7", () => reject({ engineVersion: "5.7" }, 'engineVersion = "5.7"', "Allowed: 8.4"));
    it("the design document's 8.0.33", () => reject({ engineVersion: "8.0.33" }, 'engineVersion = "8.0.33"', "8.0.40 or later"));
    it("a malformed version", () => reject({ engineVersion: "latest" }, 'engineVersion = "latest"'));
    it("a previous-generation class", () => reject({ instanceClass: "db.t2.micro" }, 'instanceClass = "db.t2.micro"', "db.t2"));
    it("an unknown class", () => reject({ instanceClass: "t3.micro" }, 'instanceClass = "t3.micro"', "db.t3.micro"));
    it("0 GiB", () => reject({ allocatedStorageGiB: 0 }, "allocatedStorageGiB = 0", "from 20 to 65536"));
    it("70000 GiB", () => reject({ allocatedStorageGiB: 70000 }, "allocatedStorageGiB = 70000"));
    it("an autoscaling ceiling below the size", () => reject({ maxAllocatedStorageGiB: 10 }, "maxAllocatedStorageGiB = 10", "from 21"));
    it("io2 storage", () => reject({ storageType: "io2" as "gp3" }, 'storageType = "io2"', "gp3, gp2"));
    it("36 days of backups", () => reject({ backupRetentionDays: 36 }, "backupRetentionDays = 36", "0 to 35"));
    it("a database name with a dash", () => reject({ databaseName: "traffic-lab" }, 'databaseName = "traffic-lab"', "letters, digits or underscores"));
    it("rdsadmin as user", () => reject({ username: "rdsadmin" }, 'username = "rdsadmin"'));
    it("an unknown time zone", () => reject({ timeZone: "Mars/Olympus" }, 'timeZone = "Mars/Olympus"', "Asia/Seoul"));
    it("a plain-text password", async () => {
      const error = await reject({ password: "hunter2" }, "password", "Pulumi secret");
      expect(error.message).not.to.include("hunter2");
    });
  });
});
