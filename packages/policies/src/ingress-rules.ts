/**
 * Ingress rules as the three AWS resource shapes declare them (inline `ingress` blocks of a
 * security group, standalone SecurityGroupIngressRule, legacy SecurityGroupRule), flattened
 * to one shape so a policy asks one question: does this rule admit port P from anywhere?
 */

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

export interface FlatIngressRule {
  /** where in the resource's inputs the rule is, e.g. `ingress[2]` */
  where: string;
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrs: string[];
}

type Props = Record<string, unknown>;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function port(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? -1);
}

/** The ingress rules a resource of `type` declares (none for other types). */
export function ingressRulesOf(type: string, props: Props): FlatIngressRule[] {
  switch (type) {
    case SECURITY_GROUP:
      return (Array.isArray(props.ingress) ? (props.ingress as Props[]) : []).map((block, index) => ({
        where: `ingress[${index}]`,
        protocol: String(block.protocol ?? ""),
        fromPort: port(block.fromPort),
        toPort: port(block.toPort),
        cidrs: [...strings(block.cidrBlocks), ...strings(block.ipv6CidrBlocks)],
      }));
    case INGRESS_RULE:
      return [
        {
          where: "rule",
          protocol: String(props.ipProtocol ?? ""),
          fromPort: port(props.fromPort),
          toPort: port(props.toPort),
          cidrs: [props.cidrIpv4, props.cidrIpv6].filter((cidr): cidr is string => typeof cidr === "string"),
        },
      ];
    case LEGACY_RULE:
      if (props.type !== "ingress") return [];
      return [
        {
          where: "rule",
          protocol: String(props.protocol ?? ""),
          fromPort: port(props.fromPort),
          toPort: port(props.toPort),
          cidrs: [...strings(props.cidrBlocks), ...strings(props.ipv6CidrBlocks)],
        },
      ];
    default:
      return [];
  }
}

/** Whether the rule lets TCP traffic to `target` through. */
export function admitsTcpPort(rule: FlatIngressRule, target: number): boolean {
  const protocol = rule.protocol.toLowerCase();
  // Protocol -1 ("all") admits every port whatever fromPort/toPort say.
  if (protocol === "-1" || protocol === "all") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  return rule.fromPort <= target && target <= rule.toPort;
}

/** The CIDRs of `rule` that stand for the whole internet: 0.0.0.0/0 and ::/0 (any /0). */
export function internetCidrs(rule: FlatIngressRule): string[] {
  return rule.cidrs.filter((cidr) => /\/0$/.test(cidr.trim()));
}
