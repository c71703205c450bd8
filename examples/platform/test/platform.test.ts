import { expect } from "chai";
import { installMocks, resolveOutput, type RegisteredResource, type ResourceGraph } from "@trafficlab/testing";
import { platform, type PlatformArgs } from "../platform";

const args: PlatformArgs = { sshAllowedCidrs: ["198.51.100.7/32"], apiImage: "example/orders-api:1.4.2" };

// Pulumi mocks: nothing reaches AWS or the host. installMocks() answers like AWS and records every resource.
async function deploy(overrides: Partial<PlatformArgs> = {}) {
  const program = installMocks({ project: "platform", stack: "dev" });
  const outputs = await program.runStack(() => platform("dev", { ...args, ...overrides }));
  return { outputs, graph: program.graph };
}

/** The content a host command writes to `<project>/nginx/<file>` (it arrives on the command's stdin). */
function nginxFile(graph: ResourceGraph, file: string): string {
  const step: RegisteredResource = graph.one("command:remote:Command", `-file-nginx-${file.replace(/\W+/g, "-")}`);
  return String(step.inputs.stdin);
}

describe("the whole trafficlab platform, with nginx settings of its own (under Pulumi mocks)", () => {
  it("renders this project's nginx settings into the config copied to the host", async () => {
    const { graph } = await deploy();
    const conf = nginxFile(graph, "conf.d/default.conf") + nginxFile(graph, "nginx.conf");
    expect(conf).to.include("client_max_body_size 50m;");
    expect(conf).to.include("proxy_read_timeout 120s;");
    expect(conf).to.include("gzip_min_length 512;");
  });

  it("lets a stack change one nginx setting and keep the others", async () => {
    const { graph } = await deploy({ nginx: { clientMaxBodySize: "1m" } });
    const conf = nginxFile(graph, "conf.d/default.conf") + nginxFile(graph, "nginx.conf");
    expect(conf).to.include("client_max_body_size 1m;");
    expect(conf).to.include("proxy_read_timeout 120s;");
  });

  const openPorts = (graph: ResourceGraph) =>
    [...new Set(graph.ingressRules().filter((rule) => rule.cidrIpv4 === "0.0.0.0/0" || rule.cidrIpv6 === "::/0").map((rule) => rule.fromPort))].sort((a, b) => a - b);

  it("serves HTTP on 80 only without a domain, and HTTPS on 443 (80 redirecting) with one", async () => {
    const plain = await deploy();
    expect(openPorts(plain.graph)).to.deep.equal([80]);
    expect(await resolveOutput(plain.outputs.url)).to.match(/^http:\/\//);
    const secure = await deploy({ https: { domain: "orders.example.com", email: "ops@example.com" } });
    expect(openPorts(secure.graph)).to.deep.equal([80, 443]);
    expect(await resolveOutput(secure.outputs.url)).to.equal("https://orders.example.com/");
  });

  it("opens nothing else to the internet, and the data tier only to the API host", async () => {
    const { graph } = await deploy();
    const host = graph.one("aws:ec2/securityGroup:SecurityGroup", "api-sg");
    expect(openPorts(graph)).to.deep.equal([80]);
    for (const port of [3306, 6379]) {
      expect(graph.ingressRules(port).map((rule) => rule.sourceSecurityGroupId), `port ${port}`).to.deep.equal([host.id]);
    }
  });

  it("deploys the API only once the database and the cache exist", async () => {
    const { graph } = await deploy();
    const deployStep = graph.one("command:remote:Command", "app-api-deploy");
    expect(graph.waitsFor(deployStep, graph.one("aws:rds/instance:Instance"))).to.equal(true);
    expect(graph.waitsFor(deployStep, graph.one("aws:elasticache/replicationGroup:ReplicationGroup"))).to.equal(true);
  });
});
