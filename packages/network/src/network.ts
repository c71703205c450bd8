import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentLabel, transformed } from "@trafficlab/validation";
import { NETWORK_TYPE, resolveNetworkSettings, type NetworkArgs, type NetworkSettings } from "./settings";

const ANYWHERE = "0.0.0.0/0";

/**
 * A VPC with one public and one private subnet per availability zone. Public subnets route to an
 * internet gateway; private subnets reach the internet only through an optional single NAT gateway.
 * The VPC's default security group is emptied so nothing can rely on it.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC's id. */
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's IPv4 block. */
  readonly cidrBlock: pulumi.Output<string>;
  /** Index i is in availabilityZones[i]. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Index i is in availabilityZones[i]. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The zones the subnets are in, one per index. */
  readonly availabilityZones: pulumi.Output<string[]>;
  /** The public subnets' route table (default route to the internet gateway): add your own routes to it. */
  readonly publicRouteTableId: pulumi.Output<string>;
  /** The private subnets' route table (no internet route unless `nat: single`). */
  readonly privateRouteTableId: pulumi.Output<string>;
  /** What a host in a public subnet needs before it can reach the internet: the route to the gateway and the subnets' associations. */
  readonly publicInternetAccess: pulumi.Resource[];
  /** The settings after defaults, including the subnet layout. */
  readonly settings: NetworkSettings;
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: {
    vpc: aws.ec2.Vpc;
    internetGateway: aws.ec2.InternetGateway;
    publicSubnets: aws.ec2.Subnet[];
    privateSubnets: aws.ec2.Subnet[];
    publicRouteTable: aws.ec2.RouteTable;
    privateRouteTable: aws.ec2.RouteTable;
    natGateway: aws.ec2.NatGateway | undefined;
  };

  constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveNetworkSettings(name, args);
    super(NETWORK_TYPE, name, {}, opts);
    this.settings = settings;
    const component = componentLabel(NETWORK_TYPE, name);
    const tags = (role: string) => ({ ...settings.tags, Name: `${name}-${role}` });
    const count = settings.availabilityZoneCount;
    const transform = args.transform ?? {};
    const child = { parent: this };

    const zones = aws.getAvailabilityZonesOutput(
      {
        state: "available",
        // Regular zones only: opted-in Local Zones lack NAT gateways and most RDS/ElastiCache classes.
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      },
      child,
    );
    const availabilityZones = zones.names.apply((names) => {
      if (names.length < count) {
        throw new pulumi.RunError(`${component}: availabilityZoneCount = ${count}, but this account sees only ${names.length} available zones in the Region (${names.join(", ")}).`);
      }
      return names.slice(0, count);
    });

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, ...transformed(transform.vpc, { cidrBlock: settings.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, child));

    // CIS AWS 5.4: adopt the default security group and leave it without rules, so nothing can rely on it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: tags("default-sg") }, child);

    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, ...transformed(transform.internetGateway, { vpcId: vpc.id, tags: tags("igw") }, child));

    const subnets = (tier: "public" | "private") =>
      settings.subnets[tier].map(
        (cidrBlock, i) =>
          new aws.ec2.Subnet(
            `${name}-${tier}-${i}`,
            ...transformed(
              transform.subnet,
              { vpcId: vpc.id, cidrBlock, availabilityZone: availabilityZones.apply((names) => names[i]!), mapPublicIpOnLaunch: tier === "public", tags: tags(`${tier}-${i}`) },
              child,
            ),
          ),
      );
    const publicSubnets = subnets("public");
    const privateSubnets = subnets("private");

    // Routes are separate aws.ec2.Route resources (never inline), so other projects can add their own.
    const routeTable = (tier: "public" | "private", tierSubnets: aws.ec2.Subnet[]) => {
      const table = new aws.ec2.RouteTable(`${name}-${tier}-rt`, ...transformed(transform.routeTable, { vpcId: vpc.id, tags: tags(`${tier}-rt`) }, child));
      const associations = tierSubnets.map((subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-${tier}-rta-${i}`, { subnetId: subnet.id, routeTableId: table.id }, child));
      return { table, associations };
    };
    const publicRoutes = routeTable("public", publicSubnets);
    const publicRouteTable = publicRoutes.table;
    const privateRouteTable = routeTable("private", privateSubnets).table;

    const internetRoute = new aws.ec2.Route(`${name}-public-default-route`, { routeTableId: publicRouteTable.id, destinationCidrBlock: ANYWHERE, gatewayId: internetGateway.id }, child);

    let natGateway: aws.ec2.NatGateway | undefined;
    if (settings.nat === "single") {
      // AWS needs the internet gateway attached before a public NAT gateway (and its EIP) can work.
      const eip = new aws.ec2.Eip(`${name}-nat-eip`, { domain: "vpc", tags: tags("nat-eip") }, { parent: this, dependsOn: [internetGateway] });
      natGateway = new aws.ec2.NatGateway(
        `${name}-nat`,
        ...transformed(transform.natGateway, { connectivityType: "public", allocationId: eip.allocationId, subnetId: publicSubnets[0]!.id, tags: tags("nat") }, { parent: this, dependsOn: [internetGateway] }),
      );
      new aws.ec2.Route(`${name}-private-default-route`, { routeTableId: privateRouteTable.id, destinationCidrBlock: ANYWHERE, natGatewayId: natGateway.id }, child);
    }

    this.nodes = { vpc, internetGateway, publicSubnets, privateSubnets, publicRouteTable, privateRouteTable, natGateway };
    this.vpcId = vpc.id;
    this.cidrBlock = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((subnet) => subnet.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((subnet) => subnet.id));
    this.availabilityZones = availabilityZones;
    this.publicRouteTableId = publicRouteTable.id;
    this.privateRouteTableId = privateRouteTable.id;
    this.publicInternetAccess = [internetRoute, ...publicRoutes.associations];
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      availabilityZones: this.availabilityZones,
      publicRouteTableId: this.publicRouteTableId,
      privateRouteTableId: this.privateRouteTableId,
    });
  }
}
