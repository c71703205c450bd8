import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { TokenCache, type TokenCacheArgs, smallestNodeTypeFor, usableBytes, requiredBytes } from "@trafficlab/token-cache";
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

    it("encrypts at rest and in transit and requires a generated AUTH token sent as a secret", async () => {
      const { cache, graph } = await build();
      const group = graph.one(GROUP);
      expect(group.inputs).to.include({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true });
      const password = graph.one("random:index/randomPassword:RandomPassword");
      expect(password.inputs).to.include({ length: 48, special: false });
      const token = await resolveOutput(cache.authToken);
      expect(token).to.have.length(48);
      expect(group.inputs.authToken).to.equal(token);
      expect(group.secretPaths).to.include("authToken");
      expect(graph.plainUsesOf(token)).to.deep.equal([]);
    });

    it("keeps the token and the URL secret", async () => {
      const { cache } = await build();
      expect(await isSecretOutput(cache.authToken)).to.equal(true);
      expect(await isSecretOutput(cache.url)).to.equal(true);
      const url = await resolveOutput(cache.url);
      expect(url).to.match(/^rediss:\/\/:[A-Za-z0-9]{48}@master\.tokens-group\.[0-9a-f]+\.apn2\.cache\.amazonaws\.com:6379$/);
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

    it("uses a given AUTH token, as a secret, without generating one", async () => {
      const { graph } = await build({ authToken: pulumi.secret("a-given-token-of-24-chars") });
      expect(graph.ofType("random:index/randomPassword:RandomPassword")).to.have.length(0);
      expect(graph.one(GROUP).secretPaths).to.include("authToken");
      expect(graph.plainUsesOf("a-given-token-of-24-chars")).to.deep.equal([]);
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
    it("a plain-text AUTH token", () => reject({ authToken: "plain-token-value-123" }, "authToken", "Pulumi secret"));
    it("zero users", () => reject({ expectedUsers: 0 }, "expectedUsers = 0"));
  });
});
