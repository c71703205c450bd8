import { expect } from "chai";
import { CREATE_TIMES, createTimeOf } from "../src/create-times";
import { criticalPath, effectiveDependencies, type GraphResource } from "../src/critical-path";

const STACK = "urn:stack";

function custom(name: string, type: string, parent: string, dependencies: string[] = []): GraphResource {
  return { urn: `urn:${name}`, type, name, custom: true, parent, dependencies };
}

function component(name: string, parent = STACK, dependencies: string[] = []): GraphResource {
  return { urn: `urn:${name}`, type: `trafficlab:test:${name}`, name, custom: false, parent, dependencies };
}

/**
 * The program's shape by hand: the data tier and the host both start from the network; the app
 * deployment depends on the database COMPONENT (expanded to what is under it) and on the host.
 */
const GRAPH: GraphResource[] = [
  { urn: STACK, type: "pulumi:pulumi:Stack", name: "trafficlab-dev", custom: false, parent: undefined, dependencies: [] },
  component("net"),
  custom("vpc", "aws:ec2/vpc:Vpc", "urn:net"),
  custom("subnet", "aws:ec2/subnet:Subnet", "urn:net", ["urn:vpc"]),
  component("host"),
  custom("host-sg", "aws:ec2/securityGroup:SecurityGroup", "urn:host", ["urn:vpc"]),
  custom("host-instance", "aws:ec2/instance:Instance", "urn:host", ["urn:subnet", "urn:host-sg"]),
  custom("host-install-docker", "command:remote:Command", "urn:host", ["urn:host-instance"]),
  custom("host-file-compose-yaml", "command:remote:Command", "urn:host", ["urn:host-install-docker"]),
  custom("host-pull-images", "command:remote:Command", "urn:host", ["urn:host-install-docker", "urn:host-file-compose-yaml"]),
  component("db"),
  custom("db-sg", "aws:ec2/securityGroup:SecurityGroup", "urn:db", ["urn:vpc", "urn:host-sg"]),
  custom("db-subnets", "aws:rds/subnetGroup:SubnetGroup", "urn:db", ["urn:subnet"]),
  custom("db-mysql", "aws:rds/instance:Instance", "urn:db", ["urn:db-sg", "urn:db-subnets"]),
  component("app"),
  custom("app-api-deploy", "command:remote:Command", "urn:app", ["urn:db", "urn:host-pull-images"]),
];

describe("plan: deploy critical path", () => {
  it("finds the longest chain of a hand-made graph weighted by the create-time table", () => {
    // vpc 3 + host-sg 3 + db-sg 3 + db-mysql 600 + api-deploy 60 = 669;
    // the host branch: vpc 3 + subnet 3 + instance 70 + install 90 + file 3 + pull 60 + deploy 60 = 289.
    expect(criticalPath(GRAPH)).to.deep.equal({
      seconds: 669,
      chain: [
        { type: "aws:ec2/vpc:Vpc", name: "vpc", seconds: 3 },
        { type: "aws:ec2/securityGroup:SecurityGroup", name: "host-sg", seconds: 3 },
        { type: "aws:ec2/securityGroup:SecurityGroup", name: "db-sg", seconds: 3 },
        { type: "aws:rds/instance:Instance", name: "db-mysql", seconds: 600 },
        { type: "command:remote:Command", name: "app-api-deploy", seconds: 60 },
      ],
    });
  });

  it("follows the heavier branch when the weights change", () => {
    const seconds: Record<string, number> = { "host-install-docker": 900 };
    const path = criticalPath(GRAPH, (r) => seconds[r.name] ?? (r.custom ? 1 : 0));
    // vpc, subnet, instance, install (900), file, pull, deploy: 6 x 1 + 900
    expect(path.seconds).to.equal(906);
    expect(path.chain.map((s) => s.name)).to.deep.equal([
      "vpc",
      "subnet",
      "host-instance",
      "host-install-docker",
      "host-file-compose-yaml",
      "host-pull-images",
      "app-api-deploy",
    ]);
  });

  it("expands a dependency on a component to the custom resources under it, nested ones included", () => {
    const graph = [
      component("outer"),
      component("inner", "urn:outer"),
      custom("deep", "aws:rds/instance:Instance", "urn:inner"),
      custom("after", "command:remote:Command", STACK, ["urn:outer"]),
    ];
    expect(effectiveDependencies(graph).get("urn:after")).to.deep.equal(["urn:deep"]);
    expect(criticalPath(graph, (r) => (r.custom ? 10 : 0)).chain.map((s) => s.name)).to.deep.equal(["deep", "after"]);
  });

  it("waits for a custom parent but not for a component parent", () => {
    const graph = [component("c"), custom("p", "aws:ec2/vpc:Vpc", "urn:c"), custom("child", "aws:ec2/subnet:Subnet", "urn:p")];
    const deps = effectiveDependencies(graph);
    expect(deps.get("urn:p")).to.deep.equal([]);
    expect(deps.get("urn:child")).to.deep.equal(["urn:p"]);
  });

  it("names the cycle instead of looping", () => {
    const graph = [custom("a", "aws:ec2/vpc:Vpc", STACK, ["urn:b"]), custom("b", "aws:ec2/vpc:Vpc", STACK, ["urn:a"])];
    expect(() => criticalPath(graph)).to.throw("dependency cycle: a -> b -> a");
  });

  it("is empty for a graph without custom resources", () => {
    expect(criticalPath([component("only")])).to.deep.equal({ seconds: 0, chain: [] });
  });

  it("documents a source and a reason for every create time, and gives components none", () => {
    for (const entry of CREATE_TIMES) {
      expect(entry.why, entry.type).to.match(/\S{3}/);
      expect(["aws-docs", "provider", "observed", "local", "assumed"]).to.include(entry.source);
    }
    expect(createTimeOf({ type: "trafficlab:database:Database", name: "db", custom: false })).to.deep.equal({ seconds: 0, known: true });
    expect(createTimeOf({ type: "aws:sqs/queue:Queue", name: "q", custom: true })).to.include({ known: false });
    expect(createTimeOf({ type: "command:remote:Command", name: "dev-api-install-docker", custom: true }).seconds).to.equal(90);
    expect(createTimeOf({ type: "command:remote:Command", name: "dev-api-file-compose-yaml", custom: true }).seconds).to.equal(3);
  });
});
