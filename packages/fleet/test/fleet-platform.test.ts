import { expect } from "chai";
import { CURRENT_TLS_POLICIES, decodeUserData } from "@trafficlab/fleet";
import { CURRENT_TLS_POLICIES as POLICY_PACK_TLS_POLICIES, mandatoryViolations, runPolicies } from "@trafficlab/policies";
import type { ResourceGraph } from "@trafficlab/testing";
import { buildFleetPlatform, type FleetPlatform } from "./fleet-platform";

const SG = "aws:ec2/securityGroup:SecurityGroup";

/** Every ingress rule on the security groups of the database and the cache. */
function dataTierRules(graph: ResourceGraph) {
  const dataGroups = new Set([graph.one(SG, "db-sg").id, graph.one(SG, "tokens-sg").id]);
  return graph.ingressRules().filter((rule) => dataGroups.has(rule.securityGroupId));
}

describe("@trafficlab/fleet composed as the stack composes it (Network, Database, TokenCache, ApiFleet)", () => {
  let platform: FleetPlatform;
  before(async () => (platform = await buildFleetPlatform()));

  it("the data tier admits the fleet's instance security group only: one rule per tier, no CIDR, not the load balancer", () => {
    const { graph } = platform;
    const instanceSg = graph.one(SG, "api-instance-sg").id;
    const rules = dataTierRules(graph).sort((a, b) => a.fromPort - b.fromPort);
    expect(rules.map((rule) => [rule.resource.name, rule.fromPort, rule.sourceSecurityGroupId, rule.cidrIpv4, rule.cidrIpv6])).to.deep.equal([
      ["prod-api-admit-database", 3306, instanceSg, undefined, undefined],
      ["prod-api-admit-cache", 6379, instanceSg, undefined, undefined],
    ]);
    // The instances boot only after both rules exist.
    const group = graph.one("aws:autoscaling/group:Group");
    for (const rule of rules) expect(graph.waitsFor(group, rule.resource)).to.equal(true);
  });

  it("only the load balancer is reachable from the internet, on port 80", () => {
    const { graph } = platform;
    const open = graph.ingressRules().filter((rule) => rule.cidrIpv4 === "0.0.0.0/0" || rule.cidrIpv6 === "::/0");
    expect(open.map((rule) => [rule.resource.name, rule.fromPort, rule.toPort])).to.deep.equal([["prod-api-alb-sg-http", 80, 80]]);
  });

  it("holds every secret only as a secret: not in any plain input, not in the user data", () => {
    const { graph, secrets } = platform;
    const userData = decodeUserData(String(graph.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData));
    for (const [name, value] of Object.entries(secrets)) {
      // The cache user is the token cache's own user name (its users and group name it); the fleet keeps it secret.
      const hits = graph.plainUsesOf(value).filter((hit) => !hit.resource.type.startsWith("aws:elasticache/"));
      expect(hits.map((hit) => `${hit.resource.name} ${hit.path}`), name).to.deep.equal([]);
      expect(userData.includes(value), `${name} in the user data`).to.equal(false);
    }
    const parameters = graph.ofType("aws:ssm/parameter:Parameter");
    expect(parameters.map((p) => p.inputs.name).sort()).to.deep.equal(["/trafficlab/prod/prod-api/cache-password", "/trafficlab/prod/prod-api/cache-username", "/trafficlab/prod/prod-api/database-password"]);
    expect(parameters.every((p) => p.secretPaths.includes("value"))).to.equal(true);
  });

  it("gives the instances the data tier's real endpoints and the secrets' parameter versions", () => {
    const { graph } = platform;
    const userData = decodeUserData(String(graph.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData));
    const rds = graph.one("aws:rds/instance:Instance").outputs;
    const cache = graph.one("aws:elasticache/replicationGroup:ReplicationGroup").outputs;
    expect(userData).to.include(`SPRING_DATASOURCE_URL=jdbc:mysql://${String(rds.address)}:3306/trafficlab`);
    expect(userData).to.include(`SPRING_DATA_REDIS_HOST=${String(cache.primaryEndpointAddress)}`);
    expect(userData).to.include("secret_versions='cache-password v1, cache-username v1, database-password v1'");
    // The launch template waits for the data tier: its user data reads the endpoints.
    expect(graph.waitsFor(graph.one("aws:ec2/launchTemplate:LaunchTemplate"), graph.one("aws:rds/instance:Instance"))).to.equal(true);
  });

  it("alarms on the real RDS identifier and on both cache nodes", () => {
    const { graph } = platform;
    const rds = graph.one("aws:rds/instance:Instance").outputs;
    const group = String(graph.one("aws:elasticache/replicationGroup:ReplicationGroup").outputs.replicationGroupId);
    expect(graph.named("prod-api-database-cpu").inputs.dimensions).to.deep.equal({ DBInstanceIdentifier: rds.identifier });
    expect(graph.named("prod-api-cache-memory-002").inputs.dimensions).to.deep.equal({ CacheClusterId: `${group}-002` });
    // db.t3.micro, 20 GiB: 2 GiB free, 80 % of 64 connections.
    expect(graph.named("prod-api-database-free-storage").inputs.threshold).to.equal(2 * 1024 ** 3);
    expect(graph.named("prod-api-database-connections").inputs.threshold).to.equal(51);
  });

  it("passes the policy pack with production rules: no mandatory violation", async () => {
    const violations = await runPolicies(platform.graph.resources, { environment: "prod" });
    expect(mandatoryViolations(violations).map((v) => `${v.policyName} ${v.resourceName}: ${v.message}`)).to.deep.equal([]);
    // The secret scan seeing everything (as under the CLI) stays quiet too.
    const everything = await runPolicies(platform.graph.resources, { environment: "prod", plainInputsOnly: [] });
    expect(mandatoryViolations(everything).map((v) => `${v.policyName} ${v.resourceName}`)).to.deep.equal([]);
  });

  it("with a domain: HTTPS, and still no mandatory violation", async () => {
    const withDomain = await buildFleetPlatform({ fleet: { https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABC" } } });
    const violations = await runPolicies(withDomain.graph.resources, { environment: "prod" });
    expect(mandatoryViolations(violations).map((v) => `${v.policyName} ${v.resourceName}`)).to.deep.equal([]);
    const open = withDomain.graph.ingressRules().filter((rule) => rule.cidrIpv4 === "0.0.0.0/0");
    expect(open.map((rule) => rule.fromPort)).to.deep.equal([80, 443]);
  });

  it("the policy pack knows the same current TLS policies as the fleet", () => {
    expect([...POLICY_PACK_TLS_POLICIES]).to.deep.equal([...CURRENT_TLS_POLICIES]);
  });
});
