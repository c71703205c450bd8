import * as ipaddr from "ipaddr.js";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** AWS's VPC size limits: a VPC's IPv4 block is /16 (65,536 addresses) to /28 (16). */
export const VPC_PREFIX = { min: 16, max: 28 } as const;
/** AWS's smallest subnet is /28. */
export const SMALLEST_SUBNET_PREFIX = 28;
/** The VPC is cut into 16 equal slots: 8 for public subnets, then 8 for private ones. */
export const SLOTS_PER_TIER = 8;
const SLOT_PREFIX_BITS = 4;

/** Subnet CIDR blocks, index i in availability zone i. */
export interface SubnetPlan {
  public: string[];
  private: string[];
}

export interface VpcCidr {
  /** the block as given, which is also its canonical form */
  cidrBlock: string;
  /** the network address as an unsigned 32-bit number */
  network: number;
  prefix: number;
}

/**
 * Checks that `cidrBlock` is an IPv4 block AWS accepts for a VPC: dotted-decimal CIDR, prefix
 * /16 to /28, written as its network address. `component` names the caller in errors.
 */
export function parseVpcCidr(component: string, cidrBlock: unknown): VpcCidr {
  if (typeof cidrBlock !== "string") {
    throw new InvalidArgumentError(
      component,
      "cidrBlock",
      typeof cidrBlock === "object" && cidrBlock !== null ? `<${cidrBlock.constructor.name}>` : cidrBlock,
      "Allowed: a plain string such as 10.0.0.0/16; the subnet layout is computed from it at plan time, so it cannot be an Output.",
    );
  }
  // Four-part decimal only: ipaddr.js would otherwise read `10.0.0/16` or `010.0.0.0/16` the way inet_aton does.
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidrBlock)) {
    throw new InvalidArgumentError(component, "cidrBlock", cidrBlock, "Allowed: an IPv4 CIDR block written as four decimal octets and a prefix, e.g. 10.0.0.0/16.");
  }
  const [, prefix] = ipaddr.IPv4.parseCIDR(cidrBlock);
  if (prefix < VPC_PREFIX.min || prefix > VPC_PREFIX.max) {
    throw new InvalidArgumentError(
      component,
      "cidrBlock",
      cidrBlock,
      `Allowed: a prefix from /${VPC_PREFIX.min} to /${VPC_PREFIX.max} (AWS's VPC size limits), e.g. 10.0.0.0/16.`,
    );
  }
  const networkAddress = ipaddr.IPv4.networkAddressFromCIDR(cidrBlock);
  const canonical = `${networkAddress.toString()}/${prefix}`;
  if (canonical !== cidrBlock) {
    throw new InvalidArgumentError(
      component,
      "cidrBlock",
      cidrBlock,
      `Allowed: the block written as its network address, ${canonical} (the bits after the prefix must be zero).`,
    );
  }
  return { cidrBlock, network: toUint32(networkAddress), prefix };
}

/**
 * Lays out one public and one private subnet per availability zone. The VPC is split into 16
 * equal slots (prefix + 4); public subnet i takes slot i and private subnet i slot 8 + i, so
 * existing subnets keep their addresses when the zone count grows.
 *
 * `component` names the caller in errors (the Network passes its own label).
 */
export function planSubnets(cidrBlock: string, availabilityZoneCount: number, component = "planSubnets"): SubnetPlan {
  const vpc = parseVpcCidr(component, cidrBlock);
  requireIntegerInRange(
    component,
    "availabilityZoneCount",
    availabilityZoneCount,
    1,
    SLOTS_PER_TIER,
    `The layout has ${SLOTS_PER_TIER} subnet slots per tier.`,
  );
  const slotPrefix = vpc.prefix + SLOT_PREFIX_BITS;
  if (slotPrefix > SMALLEST_SUBNET_PREFIX) {
    const largest = SMALLEST_SUBNET_PREFIX - SLOT_PREFIX_BITS;
    throw new InvalidArgumentError(
      component,
      "cidrBlock",
      cidrBlock,
      `Allowed: a prefix of /${largest} or shorter. The layout cuts the VPC into 16 equal subnets (/${vpc.prefix} + 4 = /${slotPrefix}) ` +
        `and AWS's smallest subnet is /${SMALLEST_SUBNET_PREFIX}, so the largest prefix that works is /${largest}.`,
    );
  }
  const slotSize = 2 ** (32 - slotPrefix);
  const slot = (index: number) => `${fromUint32(vpc.network + index * slotSize).toString()}/${slotPrefix}`;
  const zones = Array.from({ length: availabilityZoneCount }, (_, i) => i);
  return { public: zones.map((i) => slot(i)), private: zones.map((i) => slot(SLOTS_PER_TIER + i)) };
}

function toUint32(address: ipaddr.IPv4): number {
  return address.octets.reduce((value, octet) => value * 256 + octet, 0);
}

function fromUint32(value: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff));
}
