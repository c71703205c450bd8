import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentLabel } from "@trafficlab/validation";
import { NETWORK_TYPE, resolveNetworkSettings, type NetworkArgs, type NetworkSettings } from "./settings";

const ANYWHERE = "0.0.0.0/0";

/**
 * A VPC with one public and one private subnet per availability zone. Public subnets route to an
 * internet gateway; private subnets reach the internet only through an optional single NAT gateway.
 * The VPC's default security group is emptied so nothing can rely on it.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock: pulumi.Output<string>;
  /** Index i is in availabilityZones[i]. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Index i is in availabilityZones[i]. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly availabilityZones: pulumi.Output<string[]>;
  /** What a host in a public subnet needs before it can reach the internet: the route to the gateway and the subnets' associations. */
  readonly publicInternetAccess: pulumi.Resource[];
  /** The settings after defaults, including the subnet layout. */
  readonly settings: NetworkSettings;

  constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveNetworkSettings(name, args);
    super(NETWORK_TYPE, name, {}, opts);
    this.settings = settings;
    const component = componentLabel(NETWORK_TYPE, name);
    const tags = (role: string) => ({ ...settings.tags, Name: `${name}-${role}` });
    const count = settings.availabilityZoneCount;

    const zones = aws.getAvailabilityZonesOutput(
      {
        state: "available",
        // Regular zones only: opted-in Local Zones lack NAT gateways and most RDS/ElastiCache classes.
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      },
      { parent: this },
    );
    const availabilityZones = zones.names.apply((names) => {
      if (names.length < count) {
        throw new Error(`${component}: availabilityZoneCount = ${count}, but the region has only ${names.length} available zones (${names.join(", ")}).`);
      }
      return names.slice(0, count);
    });

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: settings.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") },
      { parent: this },
    );

    // CIS AWS 5.4: adopt the default security group and leave it without rules, so nothing can rely on it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: tags("default-sg") }, { parent: this });

    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, { parent: this });

    const subnets = (tier: "public" | "private") =>
      settings.subnets[tier].map(
        (cidrBlock, i) =>
          new aws.ec2.Subnet(
            `${name}-${tier}-${i}`,
            {
              vpcId: vpc.id,
              cidrBlock,
              availabilityZone: availabilityZones.apply((names) => names[i]!),
              mapPublicIpOnLaunch: tier === "public",
              tags: tags(`${tier}-${i}`),
            },
            { parent: this },
          ),
      );
    const publicSubnets = subnets("public");
    const privateSubnets = subnets("private");

    // Routes are separate aws.ec2.Route resources (never inline), so other projects can add their own.
    const routeTable = (tier: "public" | "private", tierSubnets: aws.ec2.Subnet[]) => {
      const table = new aws.ec2.RouteTable(`${name}-${tier}-rt`, { vpcId: vpc.id, tags: tags(`${tier}-rt`) }, { parent: this });
      const associations = tierSubnets.map(
        (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-${tier}-rta-${i}`, { subnetId: subnet.id, routeTableId: table.id }, { parent: this }),
      );
      return { table, associations };
    };
    const publicRoutes = routeTable("public", publicSubnets);
    const publicRouteTable = publicRoutes.table;
    const privateRouteTable = routeTable("private", privateSubnets).table;

    const internetRoute = new aws.ec2.Route(
      `${name}-public-default-route`,
      { routeTableId: publicRouteTable.id, destinationCidrBlock: ANYWHERE, gatewayId: internetGateway.id },
      { parent: this },
    );

    if (settings.nat === "single") {
      // AWS needs the internet gateway attached before a public NAT gateway (and its EIP) can work.
      const eip = new aws.ec2.Eip(`${name}-nat-eip`, { domain: "vpc", tags: tags("nat-eip") }, { parent: this, dependsOn: [internetGateway] });
      const natGateway = new aws.ec2.NatGateway(
        `${name}-nat`,
        { connectivityType: "public", allocationId: eip.allocationId, subnetId: publicSubnets[0]!.id, tags: tags("nat") },
        { parent: this, dependsOn: [internetGateway] },
      );
      new aws.ec2.Route(
        `${name}-private-default-route`,
        { routeTableId: privateRouteTable.id, destinationCidrBlock: ANYWHERE, natGatewayId: natGateway.id },
        { parent: this },
      );
    }

    this.vpcId = vpc.id;
    this.cidrBlock = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((subnet) => subnet.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((subnet) => subnet.id));
    this.availabilityZones = availabilityZones;
    this.publicInternetAccess = [internetRoute, ...publicRoutes.associations];
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      availabilityZones: this.availabilityZones,
    });
  }
}
