import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Network, NETWORK_DEFAULTS, type NetworkArgs } from "@trafficlab/network";
import { expectRejected, installMocks, resolveOutput, type ResourceGraph } from "@trafficlab/testing";

const T = {
  network: "trafficlab:network:Network",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  igw: "aws:ec2/internetGateway:InternetGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  eip: "aws:ec2/eip:Eip",
  nat: "aws:ec2/natGateway:NatGateway",
} as const;

async function build(args?: NetworkArgs, name = "net") {
  const program = installMocks();
  const network = new Network(name, args);
  const graph = await program.settled();
  return { network, graph };
}

function subnetsOf(graph: ResourceGraph, tier: "public" | "private") {
  return graph
    .ofType(T.subnet)
    .filter((s) => s.name.startsWith(`net-${tier}-`))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The routes of a route table: its Route resources, by the table's id. */
function routesOf(graph: ResourceGraph, tableName: string) {
  const table = graph.named(tableName);
  return graph.ofType(T.route).filter((r) => r.inputs.routeTableId === table.id);
}

describe("@trafficlab/network", () => {
  describe("defaults", () => {
    it("creates a 10.0.0.0/16 VPC with DNS support and DNS host names", async () => {
      const { graph } = await build();
      expect(graph.one(T.vpc).inputs).to.include({ cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
      expect(NETWORK_DEFAULTS).to.deep.equal({ cidrBlock: "10.0.0.0/16", availabilityZoneCount: 2, nat: "none", tags: {} });
    });

    it("lays out one public and one private subnet in each of 2 distinct zones", async () => {
      const { graph } = await build();
      const pub = subnetsOf(graph, "public");
      const priv = subnetsOf(graph, "private");
      expect(pub.map((s) => s.inputs.cidrBlock)).to.deep.equal(["10.0.0.0/20", "10.0.16.0/20"]);
      expect(priv.map((s) => s.inputs.cidrBlock)).to.deep.equal(["10.0.128.0/20", "10.0.144.0/20"]);
      expect(pub.map((s) => s.inputs.availabilityZone)).to.deep.equal(["ap-northeast-2a", "ap-northeast-2b"]);
      expect(priv.map((s) => s.inputs.availabilityZone)).to.deep.equal(["ap-northeast-2a", "ap-northeast-2b"]);
      const vpcId = graph.one(T.vpc).id;
      expect(graph.ofType(T.subnet).every((s) => s.inputs.vpcId === vpcId)).to.equal(true);
    });

    it("maps public IPs on launch in public subnets only", async () => {
      const { graph } = await build();
      expect(subnetsOf(graph, "public").map((s) => s.inputs.mapPublicIpOnLaunch)).to.deep.equal([true, true]);
      expect(subnetsOf(graph, "private").map((s) => s.inputs.mapPublicIpOnLaunch)).to.deep.equal([false, false]);
    });

    it("asks for the region's available regular zones", async () => {
      const { graph } = await build();
      const call = graph.calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
      expect(call?.inputs).to.deep.include({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] });
    });

    it("routes the public table to the internet gateway and associates it with the public subnets", async () => {
      const { graph } = await build();
      const igw = graph.one(T.igw);
      expect(igw.inputs.vpcId).to.equal(graph.one(T.vpc).id);
      const routes = routesOf(graph, "net-public-rt");
      expect(routes.map((r) => r.inputs)).to.deep.equal([{ routeTableId: graph.named("net-public-rt").id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }]);
      const table = graph.named("net-public-rt");
      const associated = graph.ofType(T.association).filter((a) => a.inputs.routeTableId === table.id).map((a) => a.inputs.subnetId);
      expect(associated).to.have.members(subnetsOf(graph, "public").map((s) => s.id));
    });

    it("hands out the internet route and the public associations as what a public host must wait for", async () => {
      const { network, graph } = await build();
      const names = await Promise.all(network.publicInternetAccess.map((r) => resolveOutput(r.urn)));
      expect(names.map((urn) => urn.split("::").pop()).sort()).to.deep.equal(["net-public-default-route", "net-public-rta-0", "net-public-rta-1"]);
      expect(graph.named("net-public-default-route").inputs.gatewayId).to.equal(graph.one(T.igw).id);
    });

    it("gives the private subnets one route table with no route to the internet, and no NAT gateway or EIP", async () => {
      const { graph } = await build();
      expect(graph.ofType(T.routeTable)).to.have.length(2);
      const table = graph.named("net-private-rt");
      expect(table.inputs).not.to.have.property("routes");
      expect(routesOf(graph, "net-private-rt")).to.deep.equal([]);
      expect(graph.ofType(T.route)).to.have.length(1);
      expect(graph.ofType(T.nat)).to.deep.equal([]);
      expect(graph.ofType(T.eip)).to.deep.equal([]);
      const associated = graph.ofType(T.association).filter((a) => a.inputs.routeTableId === table.id).map((a) => a.inputs.subnetId);
      expect(associated).to.have.members(subnetsOf(graph, "private").map((s) => s.id));
      expect(graph.ofType(T.association)).to.have.length(4);
    });

    it("adopts the VPC's default security group with no ingress and no egress rules", async () => {
      const { graph } = await build();
      const sg = graph.one(T.defaultSg).inputs;
      expect(sg.vpcId).to.equal(graph.one(T.vpc).id);
      expect(sg.ingress).to.deep.equal([]);
      expect(sg.egress).to.deep.equal([]);
    });

    it("parents every child to the component and names it <name>-<role>", async () => {
      const { graph } = await build(undefined, "edge");
      const component = graph.one(T.network);
      expect(component.name).to.equal("edge");
      const children = graph.resources.filter((r) => r !== component);
      expect(children.every((r) => r.parent === component.urn)).to.equal(true);
      expect(children.map((r) => r.name).sort()).to.deep.equal(
        [
          "edge-vpc",
          "edge-default-sg",
          "edge-igw",
          "edge-public-0",
          "edge-public-1",
          "edge-private-0",
          "edge-private-1",
          "edge-public-rt",
          "edge-private-rt",
          "edge-public-rta-0",
          "edge-public-rta-1",
          "edge-private-rta-0",
          "edge-private-rta-1",
          "edge-public-default-route",
        ].sort(),
      );
    });

    it("tags every taggable child with its Name and the given tags", async () => {
      const { graph } = await build({ tags: { project: "trafficlab", env: "dev" } });
      const tagged = graph.resources.filter((r) => r.type !== T.network && r.type !== T.route && r.type !== T.association);
      expect(tagged).to.have.length(9);
      for (const r of tagged) expect(r.inputs.tags, r.name).to.deep.equal({ project: "trafficlab", env: "dev", Name: r.name });
    });
  });

  describe("nat: single", () => {
    it("adds exactly one EIP and NAT gateway in public subnet 0 and a default route to it from the private table", async () => {
      const { graph } = await build({ nat: "single" });
      const eip = graph.one(T.eip);
      const nat = graph.one(T.nat);
      expect(eip.inputs.domain).to.equal("vpc");
      expect(nat.inputs).to.include({ connectivityType: "public", allocationId: eip.id, subnetId: graph.named("net-public-0").id });
      expect(routesOf(graph, "net-private-rt").map((r) => r.inputs)).to.deep.equal([
        { routeTableId: graph.named("net-private-rt").id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id },
      ]);
      expect(nat.parent).to.equal(graph.one(T.network).urn);
      expect(graph.ofType(T.route)).to.have.length(2);
    });

    it("creates the EIP and NAT gateway only once the internet gateway exists", async () => {
      const { graph } = await build({ nat: "single" });
      const igw = graph.one(T.igw);
      expect(graph.waitsFor(graph.one(T.eip), igw)).to.equal(true);
      expect(graph.waitsFor(graph.one(T.nat), igw)).to.equal(true);
    });
  });

  describe("availabilityZoneCount: 3", () => {
    it("creates 3 public and 3 private subnets in zones a, b, c, in the next slots", async () => {
      const { network, graph } = await build({ availabilityZoneCount: 3 });
      expect(subnetsOf(graph, "public").map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone])).to.deep.equal([
        ["10.0.0.0/20", "ap-northeast-2a"],
        ["10.0.16.0/20", "ap-northeast-2b"],
        ["10.0.32.0/20", "ap-northeast-2c"],
      ]);
      expect(subnetsOf(graph, "private").map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone])).to.deep.equal([
        ["10.0.128.0/20", "ap-northeast-2a"],
        ["10.0.144.0/20", "ap-northeast-2b"],
        ["10.0.160.0/20", "ap-northeast-2c"],
      ]);
      expect(graph.ofType(T.association)).to.have.length(6);
      expect(await resolveOutput(network.availabilityZones)).to.deep.equal(["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"]);
    });
  });

  describe("outputs", () => {
    it("resolve to the ids of the VPC and subnets, the CIDR and the zones, in zone order", async () => {
      const { network, graph } = await build({ cidrBlock: "172.20.0.0/20" });
      expect(await resolveOutput(network.vpcId)).to.equal(graph.one(T.vpc).id).and.match(/^vpc-/);
      expect(await resolveOutput(network.cidrBlock)).to.equal("172.20.0.0/20");
      expect(await resolveOutput(network.publicSubnetIds)).to.deep.equal(subnetsOf(graph, "public").map((s) => s.id));
      expect(await resolveOutput(network.privateSubnetIds)).to.deep.equal(subnetsOf(graph, "private").map((s) => s.id));
      expect(await resolveOutput(network.availabilityZones)).to.deep.equal(["ap-northeast-2a", "ap-northeast-2b"]);
      expect(subnetsOf(graph, "private").map((s) => s.inputs.cidrBlock)).to.deep.equal(["172.20.8.0/24", "172.20.9.0/24"]);
    });
  });

  describe("argument validation (nothing is registered)", () => {
    const label = 'trafficlab:network:Network "net"';
    const cases: [string, NetworkArgs, ...string[]][] = [
      ["a malformed CIDR (three octets)", { cidrBlock: "10.0.0/16" }, "cidrBlock", '"10.0.0/16"', "four decimal octets"],
      ["an octet above 255", { cidrBlock: "300.0.0.0/16" }, "cidrBlock", '"300.0.0.0/16"', "four decimal octets"],
      ["a /8 VPC", { cidrBlock: "10.0.0.0/8" }, "cidrBlock", '"10.0.0.0/8"', "from /16 to /28"],
      ["a /29 VPC", { cidrBlock: "10.0.0.0/29" }, "cidrBlock", '"10.0.0.0/29"', "from /16 to /28"],
      ["host bits set", { cidrBlock: "10.0.0.5/16" }, "cidrBlock", '"10.0.0.5/16"', "network address, 10.0.0.0/16"],
      ["a /25, too small for the layout", { cidrBlock: "10.0.0.0/25" }, "cidrBlock", '"10.0.0.0/25"', "/24 or shorter", "/28"],
      ["1 zone", { availabilityZoneCount: 1 }, "availabilityZoneCount = 1", "from 2 to 6", "two availability zones"],
      ["2.5 zones", { availabilityZoneCount: 2.5 }, "availabilityZoneCount = 2.5", "whole number"],
      ["7 zones", { availabilityZoneCount: 7 }, "availabilityZoneCount = 7", "from 2 to 6"],
      ["nat double", { nat: "double" as never }, 'nat = "double"', "none, single", "USD 43/month"],
      ["a non-string tag value", { tags: { team: 7 as never } }, "tags.team = 7", "a string"],
      ["a Name tag", { tags: { Name: "x" } }, "tags.Name", "sets Name on each resource"],
      ["a tag in AWS's namespace", { tags: { "aws:owner": "me" } }, "tags.aws:owner", "reserved by AWS"],
      ["a CIDR given as an Output", { cidrBlock: pulumi.output("10.0.0.0/16") as never }, "cidrBlock", "plain string", "plan time"],
    ];
    for (const [what, args, ...fragments] of cases) {
      it(`refuses ${what}`, async () => {
        const program = installMocks();
        await expectRejected(program, () => new Network("net", args), label, ...fragments);
      });
    }
  });

  describe("escape hatches", () => {
    it("outputs the route table ids, so other projects can add routes", async () => {
      const { network, graph } = await build();
      expect(await resolveOutput(network.publicRouteTableId)).to.equal(graph.named("net-public-rt").id);
      expect(await resolveOutput(network.privateRouteTableId)).to.equal(graph.named("net-private-rt").id);
    });

    it("exposes its children and lets a caller change them: every subnet, the VPC's options", async () => {
      const { network, graph } = await build({
        transform: {
          subnet: (args) => {
            args.tags = { ...(args.tags as Record<string, string>), Tier: "shared" };
          },
          vpc: (_args, opts) => {
            opts.protect = true;
          },
        },
      });
      for (const subnet of graph.ofType("aws:ec2/subnet:Subnet")) expect((subnet.inputs.tags as Record<string, string>).Tier, subnet.name).to.equal("shared");
      expect(graph.one("aws:ec2/vpc:Vpc").protect).to.equal(true);
      expect(network.nodes.publicSubnets).to.have.length(2);
      expect(network.nodes.natGateway).to.equal(undefined);
    });
  });
});
