import { expect } from "chai";
import { TokenCache, type TokenCacheArgs, elastiCacheIdBase, smallestNodeTypeFor, usableBytes, requiredBytes } from "@trafficlab/token-cache";
import { expectRejected, installMocks, isSecretOutput, resolveOutput, type MockedProgram } from "@trafficlab/testing";

const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const ids: TokenCacheArgs = { vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroupIds: ["sg-api"] };

async function build(args: Partial<TokenCacheArgs> = {}) {
  const program = installMocks();
  const cache = new TokenCache("tokens", { ...ids, ...args });
  const graph = await program.settled();
  return { cache, graph };
}

describe("@trafficlab/token-cache", () => {
  describe("defaults", () => {
    it("creates one Valkey 8.1 primary on cache.t4g.micro with no replica", async () => {
      const { graph } = await build();
      expect(graph.one(GROUP).inputs).to.include({
        engine: "valkey",
        engineVersion: "8.1",
        nodeType: "cache.t4g.micro",
        numCacheClusters: 1,
        automaticFailoverEnabled: false,
        multiAzEnabled: false,
        port: 6379,
        snapshotRetentionLimit: 1,
      });
    });

    it("encrypts at rest and in transit, and admits only a named user with a generated password (RBAC), sent as a secret", async () => {
      const { cache, graph } = await build();
      const group = graph.one(GROUP);
      expect(group.inputs).to.include({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true });
      expect(group.inputs).not.to.have.property("authToken");
      const users = graph.one("aws:elasticache/userGroup:UserGroup");
      expect(group.inputs.userGroupIds).to.deep.equal([users.outputs.userGroupId]);
      // Every user group holds a "default" user: ours is switched off.
      const fallback = graph.one("aws:elasticache/user:User", "default-user");
      expect(fallback.inputs).to.include({ userName: "default", accessString: "off -@all", engine: "valkey" });
      expect(users.inputs.userIds).to.deep.equal([fallback.inputs.userId]);
      expect(users.ignoreChanges).to.deep.equal(["userIds"]);
      // The app's user joins the group through an association, which a rotation replaces.
      const app = graph.one("aws:elasticache/user:User", "app-user");
      const membership = graph.one("aws:elasticache/userGroupAssociation:UserGroupAssociation");
      expect(membership.inputs).to.deep.equal({ userGroupId: users.outputs.userGroupId, userId: app.inputs.userId });
      const password = graph.one("random:index/randomPassword:RandomPassword");
      expect(password.inputs).to.include({ length: 48, special: false });
      const secret = await resolveOutput(cache.password);
      expect(secret).to.have.length(48);
      expect(app.inputs.authenticationMode).to.deep.equal({ type: "password", passwords: [secret] });
      expect(app.secretPaths.some((path) => path.startsWith("authenticationMode"))).to.equal(true);
      expect(graph.plainUsesOf(secret)).to.deep.equal([]);
      expect(await resolveOutput(cache.username)).to.equal(app.inputs.userName).and.match(/^tokens-[0-9a-f]{6}-app-[0-9a-f]{8}$/);
    });

    it("ties the app user's id and password to one rotation handle, <name>-credentials", async () => {
      const { graph } = await build();
      const handle = graph.named("tokens-credentials");
      const password = graph.one("random:index/randomPassword:RandomPassword");
      expect(password.inputs.keepers).to.deep.equal({ credentials: handle.outputs.hex });
      expect(String(graph.one("aws:elasticache/user:User", "app-user").inputs.userId)).to.match(new RegExp(`-app-${String(handle.outputs.hex)}$`));
    });

    it("keeps the password and the URL secret", async () => {
      const { cache } = await build();
      expect(await isSecretOutput(cache.password)).to.equal(true);
      expect(await isSecretOutput(cache.url)).to.equal(true);
      const url = await resolveOutput(cache.url);
      expect(url).to.match(/^rediss:\/\/tokens-[0-9a-f]{6}-app-[0-9a-f]{8}:[A-Za-z0-9]{48}@master\.tokens-group\.[0-9a-f]+\.apn2\.cache\.amazonaws\.com:6379$/);
    });

    it("applies node type changes in the maintenance window unless asked to apply them now", async () => {
      expect((await build()).graph.one(GROUP).inputs.applyImmediately).to.equal(false);
      expect((await build({ applyImmediately: true })).graph.one(GROUP).inputs.applyImmediately).to.equal(true);
    });

    it("exposes its children and lets a caller change one", async () => {
      const { cache, graph } = await build({ transform: { replicationGroup: { maintenanceWindow: "sun:18:00-sun:19:00" } } });
      expect(graph.one(GROUP).inputs.maintenanceWindow).to.equal("sun:18:00-sun:19:00");
      expect(await resolveOutput(cache.nodes.replicationGroup.id)).to.equal(graph.one(GROUP).id);
      expect(cache.nodes.ingressRules).to.have.length(1);
    });

    it("derives ElastiCache ids that AWS accepts from any component name", () => {
      expect(elastiCacheIdBase("prod-tokens", "a1b2c3")).to.equal("prod-tokens-a1b2c3");
      expect(elastiCacheIdBase("9_My--Very.Long.Token.Cache.Name", "a1b2c3")).to.equal("my-very-long-tok-a1b2c3");
      expect(elastiCacheIdBase("123", "a1b2c3")).to.equal("tokens-a1b2c3");
    });

    it("never evicts: maxmemory-policy noeviction, 25 % reserved memory, family valkey8", async () => {
      const { graph } = await build();
      const params = graph.one("aws:elasticache/parameterGroup:ParameterGroup");
      expect(params.inputs.family).to.equal("valkey8");
      expect(params.inputs.parameters).to.deep.include({ name: "maxmemory-policy", value: "noeviction" });
      expect(params.inputs.parameters).to.deep.include({ name: "reserved-memory-percent", value: "25" });
      expect(graph.one(GROUP).inputs.parameterGroupName).to.equal(params.outputs.name);
    });

    it("uses its own subnet group and admits 6379 only from the given security groups", async () => {
      const { cache, graph } = await build();
      const subnetGroup = graph.one("aws:elasticache/subnetGroup:SubnetGroup");
      expect(subnetGroup.inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b"]);
      const sg = graph.one("aws:ec2/securityGroup:SecurityGroup");
      expect(graph.one(GROUP).inputs.securityGroupIds).to.deep.equal([sg.id]);
      expect(graph.one(GROUP).inputs.subnetGroupName).to.equal(subnetGroup.outputs.name);
      const rules = graph.ingressRules();
      expect(rules).to.have.length(1);
      expect(rules[0]).to.include({ fromPort: 6379, toPort: 6379, sourceSecurityGroupId: "sg-api", cidrIpv4: undefined });
      expect(await resolveOutput(cache.securityGroupId)).to.equal(sg.id);
    });

    it("exposes the primary endpoint and port", async () => {
      const { cache } = await build();
      expect(await resolveOutput(cache.primaryEndpoint)).to.match(/^master\./);
      expect(await resolveOutput(cache.port)).to.equal(6379);
    });
  });

  describe("settings", () => {
    it("offers Redis OSS 7.1 with family redis7", async () => {
      const { graph } = await build({ engine: "redis" });
      expect(graph.one(GROUP).inputs).to.include({ engine: "redis", engineVersion: "7.1" });
      expect(graph.one("aws:elasticache/parameterGroup:ParameterGroup").inputs.family).to.equal("redis7");
    });

    it("adds a replica with automatic failover across AZs", async () => {
      const { graph } = await build({ replicas: 1, automaticFailover: true });
      expect(graph.one(GROUP).inputs).to.include({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true });
    });

  });

  describe("sizing", () => {
    it("fits the document's 886,440 users at 340 bytes (301 MB) on a t4g.micro (402 MB usable)", () => {
      expect(requiredBytes(886_440, 340)).to.equal(301_389_600);
      expect(usableBytes("cache.t4g.micro")).to.equal(402_653_184);
      expect(smallestNodeTypeFor(886_440, 340)).to.equal("cache.t4g.micro");
    });

    it("names the smallest node type that fits larger loads", () => {
      expect(smallestNodeTypeFor(2_000_000, 340)).to.equal("cache.t4g.small");
      expect(smallestNodeTypeFor(60_000_000, 340)).to.equal("cache.r7g.xlarge");
      expect(smallestNodeTypeFor(1_000_000_000, 340)).to.equal(undefined);
    });
  });

  describe("bad input fails before any resource is registered", () => {
    let program: MockedProgram;
    beforeEach(() => (program = installMocks()));
    const reject = (args: Partial<TokenCacheArgs>, ...fragments: string[]) =>
      expectRejected(program, () => new TokenCache("tokens", { ...ids, ...args }), 'trafficlab:token-cache:TokenCache "tokens"', ...fragments);

    it("the design document's cache.t2.micro", () => reject({ nodeType: "cache.t2.micro" }, 'nodeType = "cache.t2.micro"', "no longer creates new ElastiCache clusters on T2"));
    it("an unknown node type", () => reject({ nodeType: "cache.x9.huge" }, 'nodeType = "cache.x9.huge"', "cache.t4g.micro"));
    it("users that do not fit", () =>
      reject({ expectedUsers: 2_000_000 }, 'nodeType = "cache.t4g.micro"', "2000000 users x 340 bytes = 680.0 MB", "402.7 MB", "smallest node type that fits is cache.t4g.small"));
    it("users that fit no node", () => reject({ expectedUsers: 1_000_000_000 }, "No single node type holds that"));
    it("Redis OSS 7.2", () => reject({ engine: "redis", engineVersion: "7.2" }, 'engineVersion = "7.2"', "7.0, 7.1"));
    it("an unknown engine", () => reject({ engine: "memcached" as "redis" }, 'engine = "memcached"', "valkey, redis"));
    it("failover without replicas", () => reject({ automaticFailover: true }, "automaticFailover = true", "replicas >= 1"));
    it("six replicas", () => reject({ replicas: 6 }, "replicas = 6", "0 to 5"));
    it("an evicting policy", () => reject({ maxmemoryPolicy: "allkeys-random" as "noeviction" }, 'maxmemoryPolicy = "allkeys-random"', "noeviction"));
    it("zero users", () => reject({ expectedUsers: 0 }, "expectedUsers = 0"));
  });
});
