export { Network } from "./network";
export {
  NETWORK_DEFAULTS,
  NETWORK_TYPE,
  NAT_MODES,
  NAT_GATEWAY_MONTHLY_USD,
  resolveNetworkSettings,
  type NetworkArgs,
  type NetworkTransforms,
  type NetworkSettings,
  type NatMode,
} from "./settings";
export { planSubnets, parseVpcCidr, VPC_PREFIX, SMALLEST_SUBNET_PREFIX, SLOTS_PER_TIER, type SubnetPlan, type VpcCidr } from "./subnet-plan";
export { privateTierSecurityGroup, type PrivateTierSecurityGroup, type PrivateTierSecurityGroupArgs } from "./private-tier-security-group";
export { AWS_REGIONS } from "./regions";
