import { expect } from "chai";
import { runStack } from "./dev-stack";

describe("dev stack (Pulumi.dev.yaml under mocks)", () => {
  it("creates the expected resources, one component of each kind", async () => {
    const { graph } = await runStack("dev");
    const components = graph.resources.filter((r) => r.type.startsWith("trafficlab:")).map((r) => `${r.type} ${r.name}`).sort();
    expect(components).to.deep.equal([
      "trafficlab:api-host:ApiHost dev-api",
      "trafficlab:api-host:AppDeployment dev-app",
      "trafficlab:database:Database dev-db",
      "trafficlab:network:Network dev-network",
      "trafficlab:token-cache:TokenCache dev-tokens",
    ]);
    const counts = (type: string) => graph.ofType(type).length;
    expect(counts("aws:ec2/vpc:Vpc")).to.equal(1);
    expect(counts("aws:ec2/subnet:Subnet")).to.equal(4);
    expect(counts("aws:ec2/natGateway:NatGateway")).to.equal(0);
    expect(counts("aws:ec2/instance:Instance")).to.equal(1);
    expect(counts("aws:rds/instance:Instance")).to.equal(1);
    expect(counts("aws:elasticache/replicationGroup:ReplicationGroup")).to.equal(1);
    expect(counts("aws:ec2/securityGroup:SecurityGroup")).to.equal(3);
  });

  it("mirrors the design document: Seoul, a micro host (t3, see Pulumi.dev.yaml), db.t3.micro with 20 GiB, one cache node, Asia/Seoul", async () => {
    const { graph, outputs } = await runStack("dev");
    expect(outputs.region).to.equal("ap-northeast-2");
    expect(graph.one("aws:ec2/instance:Instance").inputs.instanceType).to.equal("t3.micro");
    expect(graph.one("aws:rds/instance:Instance").inputs).to.include({ instanceClass: "db.t3.micro", allocatedStorage: 20, engineVersion: "8.4" });
    expect(graph.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs).to.include({ numCacheClusters: 1, nodeType: "cache.t4g.micro" });
    const params = graph.one("aws:rds/parameterGroup:ParameterGroup").inputs.parameters as { name: string; value: string }[];
    expect(params).to.deep.include({ name: "time_zone", value: "Asia/Seoul" });
  });

  it("lets the data tier admit only the API host's security group", async () => {
    const { graph } = await runStack("dev");
    const apiSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "dev-api-sg");
    for (const port of [3306, 6379]) {
      const rules = graph.ingressRules(port);
      expect(rules, `rules for ${port}`).to.have.length(1);
      expect(rules[0]!.sourceSecurityGroupId).to.equal(apiSg.id);
      expect(rules[0]!.cidrIpv4).to.equal(undefined);
    }
  });

  it("installs Docker on the host only after its subnet routes to the internet", async () => {
    const { graph } = await runStack("dev");
    const install = graph.one("command:remote:Command", "install-docker");
    expect(graph.waitsFor(install, graph.named("dev-network-public-default-route"))).to.equal(true);
    expect(graph.waitsFor(install, graph.named("dev-network-public-rta-0"))).to.equal(true);
  });

  it("keeps dev disposable: 1-day backups, no deletion protection, no final snapshot", async () => {
    const { graph } = await runStack("dev");
    expect(graph.one("aws:rds/instance:Instance").inputs).to.include({ backupRetentionPeriod: 1, deletionProtection: false, skipFinalSnapshot: true });
  });

  it("outputs the URL, the SSH command and how to reach MySQL and the cache from the host", async () => {
    const { outputs } = await runStack("dev");
    expect(outputs.url).to.match(/^http:\/\/ec2-203-0-113-\d+\.ap-northeast-2\.compute\.amazonaws\.com\/$/);
    expect(outputs.sshCommand).to.match(/ssh -i dev-api\.pem ec2-user@203\.0\.113\.\d+$/);
    expect(outputs.mysqlCommand).to.match(/^ssh -t -i dev-api\.pem ec2-user@203\.0\.113\.\d+ docker run --rm -it mysql:8\.4 mysql --ssl-mode=REQUIRED -h dev-db-mysql\..*rds\.amazonaws\.com -P 3306 -u admin -p trafficlab$/);
    expect(outputs.cacheCommand).to.match(/valkey-cli --tls -h master\..* -p 6379 --user dev-tokens-[0-9a-f]{6}-app-[0-9a-f]{8} --askpass$/);
  });

  it("never puts the database password or the cache token in a non-secret input", async () => {
    const { graph, outputs } = await runStack("dev");
    const secrets = [outputs.databasePassword, outputs.cachePassword] as string[];
    for (const secret of secrets) {
      expect(secret).to.be.a("string").with.length.greaterThan(20);
      expect(graph.plainUsesOf(secret), `plain uses of a secret`).to.deep.equal([]);
    }
  });
});

describe("dev stack with a domain", () => {
  const https = { "trafficlab:domain": "api.example.com", "trafficlab:acmeEmail": "ops@example.com" };

  it("serves https://<domain>/ with a certificate from Let's Encrypt, and says which DNS record to make", async () => {
    const { graph, outputs } = await runStack("dev", https);
    expect(outputs.url).to.equal("https://api.example.com/");
    expect(outputs.dnsRecord).to.match(/^api\.example\.com A 203\.0\.113\.\d+$/);
    expect(graph.ingressRules(443)).to.have.length(2);
    const compose = String(graph.one("command:remote:Command", "file-compose-yaml").inputs.stdin);
    expect(compose).to.include("ACME_SERVER: https://acme-v02.api.letsencrypt.org/directory").and.include("ACME_EMAIL: ops@example.com");
  });

  it("without one serves plain HTTP, opens no 443 and makes no DNS record output", async () => {
    const { graph, outputs } = await runStack("dev");
    expect(outputs.url).to.match(/^http:\/\//);
    expect(outputs).not.to.have.property("dnsRecord");
    expect(graph.ingressRules(443)).to.deep.equal([]);
  });

  it("outputs the host key every deploy connection pins", async () => {
    const { graph, outputs } = await runStack("dev");
    expect(outputs.sshHostKey).to.match(/^ssh-ed25519 /);
    for (const step of graph.ofType("command:remote:Command")) expect((step.inputs.connection as { hostKey?: string }).hostKey, step.name).to.equal(outputs.sshHostKey);
  });
});

describe("dev stack with the API built from a local directory", () => {
  it("builds and pushes the image, and the host pulls and runs the pushed digest", async () => {
    // A directory with a Dockerfile (the e2e tier's stand-in API): the stack refuses one without.
    const { graph } = await runStack("dev", { "trafficlab:apiBuildContext": "e2e/images/api" });
    const digest = String(graph.one("docker:index/image:Image").outputs.repoDigest);
    expect(digest).to.match(/^example\/trafficlab-api@sha256:/);
    expect(String(graph.one("command:remote:Command", "pull-images").inputs.create)).to.include(digest);
    expect(String(graph.one("command:remote:Command", "api-deploy").inputs.create)).to.include(digest);
  });
});
