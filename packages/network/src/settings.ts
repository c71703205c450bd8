import * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import { ArgumentChecks, InvalidArgumentError, componentLabel, requireIntegerInRange, requireOneOf, type ChildTransform } from "@trafficlab/validation";
import { parseVpcCidr, planSubnets, type SubnetPlan } from "./subnet-plan";

export const NETWORK_TYPE = "trafficlab:network:Network";

export type NatMode = "none" | "single";
export const NAT_MODES: readonly NatMode[] = ["none", "single"];

/** What a NAT gateway costs before traffic: USD 0.059/hour in ap-northeast-2 (Seoul), about 43/month. */
export const NAT_GATEWAY_MONTHLY_USD = 43;

/** Per-child changes: arguments merged over the component's, or a function editing args and options. */
export interface NetworkTransforms {
  vpc?: ChildTransform<aws.ec2.VpcArgs>;
  /** Every subnet, public and private. */
  subnet?: ChildTransform<aws.ec2.SubnetArgs>;
  /** Both route tables. */
  routeTable?: ChildTransform<aws.ec2.RouteTableArgs>;
  internetGateway?: ChildTransform<aws.ec2.InternetGatewayArgs>;
  natGateway?: ChildTransform<aws.ec2.NatGatewayArgs>;
}

/** Every argument is plain: the subnet layout must be known at plan time. */
export interface NetworkArgs {
  /** The VPC's IPv4 block, /16 to /24, written as its network address (`10.0.0.5/16` is refused). */
  cidrBlock?: string;
  /** Zones to spread subnets over, 2 to 6 (RDS and ElastiCache subnet groups need 2). */
  availabilityZoneCount?: number;
  /** `none`: private subnets have no internet route; `single`: one NAT gateway in public subnet 0 (about USD 43/month in Seoul). */
  nat?: NatMode;
  /** Added to every resource's tags, next to a `Name` tag the component sets; `Name` and `aws:*` keys are refused. */
  tags?: Record<string, string>;
  /** Changes to the child resources the component does not offer as arguments: the VPC, subnets, route tables, gateways. */
  transform?: NetworkTransforms;
}

export const NETWORK_DEFAULTS = {
  cidrBlock: "10.0.0.0/16",
  availabilityZoneCount: 2,
  nat: "none",
  tags: {},
} as const satisfies Required<Omit<NetworkArgs, "transform">>;

/** RDS and ElastiCache subnet groups need two zones; no region offers more than six. */
const AZ_COUNT = { min: 2, max: 6 } as const;

export interface NetworkSettings {
  cidrBlock: string;
  availabilityZoneCount: number;
  nat: NatMode;
  tags: Record<string, string>;
  subnets: SubnetPlan;
}

/** Checks every argument; throws one InvalidArgumentError naming all the problems before anything is registered. */
export function resolveNetworkSettings(name: string, args: NetworkArgs): NetworkSettings {
  const component = componentLabel(NETWORK_TYPE, name);
  const checks = new ArgumentChecks(component);
  const cidrBlock = checks.take(() => parseVpcCidr(component, args.cidrBlock ?? NETWORK_DEFAULTS.cidrBlock).cidrBlock, undefined);
  const availabilityZoneCount = checks.take(
    () =>
      requireIntegerInRange(
        component,
        "availabilityZoneCount",
        args.availabilityZoneCount ?? NETWORK_DEFAULTS.availabilityZoneCount,
        AZ_COUNT.min,
        AZ_COUNT.max,
        "RDS and ElastiCache subnet groups need subnets in at least two availability zones.",
      ),
    undefined,
  );
  const nat = checks.take(
    () =>
      requireOneOf(
        component,
        "nat",
        args.nat ?? NETWORK_DEFAULTS.nat,
        NAT_MODES,
        `"none" (default) gives private subnets no route to the internet; "single" adds one NAT gateway, ` +
          `about USD ${NAT_GATEWAY_MONTHLY_USD}/month in Seoul (ap-northeast-2) before traffic.`,
      ),
    NETWORK_DEFAULTS.nat,
  );
  const tags = checks.take(() => checkTags(component, args.tags ?? NETWORK_DEFAULTS.tags), {});
  // The layout needs a valid block and zone count; without them its own complaint would only repeat theirs.
  const subnets = cidrBlock !== undefined && availabilityZoneCount !== undefined ? checks.take(() => planSubnets(cidrBlock, availabilityZoneCount, component), undefined) : undefined;
  checks.done();
  return { cidrBlock: cidrBlock!, availabilityZoneCount: availabilityZoneCount!, nat, tags, subnets: subnets! };
}

function checkTags(component: string, tags: unknown): Record<string, string> {
  if (typeof tags !== "object" || tags === null || Array.isArray(tags) || pulumi.Output.isInstance(tags)) {
    const shown = pulumi.Output.isInstance(tags) ? "<Output>" : tags;
    throw new InvalidArgumentError(component, "tags", shown, "Allowed: a plain object of string keys and string values, known at plan time.");
  }
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== "string") {
      throw new InvalidArgumentError(component, `tags.${key}`, value, "Allowed: a string.");
    }
    if (key === "Name") {
      throw new InvalidArgumentError(component, "tags.Name", value, "The component sets Name on each resource (`<name>-vpc`, `<name>-public-0`, ...); choose the component name instead.");
    }
    // AWS refuses user tags in its own namespace.
    if (key.toLowerCase().startsWith("aws:")) {
      throw new InvalidArgumentError(component, `tags.${key}`, value, "Tag keys starting with aws: are reserved by AWS.");
    }
  }
  return { ...(tags as Record<string, string>) };
}
