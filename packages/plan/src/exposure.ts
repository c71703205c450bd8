import type { IngressRule, RegisteredResource } from "@trafficlab/testing";

export interface ExposureEntry {
  /** `80`, `8000-8100`, or `all` */
  ports: string;
  /** the CIDR the rule admits */
  source: string;
  /** true for 0.0.0.0/0 and ::/0 */
  anywhere: boolean;
  securityGroup: string;
  /** resources the security group is attached to */
  attachedTo: string[];
  /** whether any of them has a public address, i.e. the rule is reachable from the internet now */
  publicAddress: boolean;
}

/** 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16 and fc00::/7, fe80::/10: not reachable from the internet. */
function isPrivateCidr(cidr: string): boolean {
  if (cidr.includes(":")) return /^f[cd]|^fe[89ab]/i.test(cidr);
  const [a, b] = cidr.split(/[./]/).map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || a === 127;
}

function portsOf(rule: IngressRule): string {
  if ((rule.fromPort <= 0 && rule.toPort <= 0) || (rule.fromPort === 0 && rule.toPort === 65535)) return "all";
  return rule.fromPort === rule.toPort ? String(rule.fromPort) : `${rule.fromPort}-${rule.toPort}`;
}

function securityGroupIdsOf(r: RegisteredResource): string[] {
  const ids = r.inputs.vpcSecurityGroupIds ?? r.inputs.securityGroupIds ?? r.inputs.securityGroups;
  // A launch template names them per network interface.
  const interfaces = Array.isArray(r.inputs.networkInterfaces) ? (r.inputs.networkInterfaces as Record<string, unknown>[]).flatMap((i) => (Array.isArray(i.securityGroups) ? i.securityGroups : [])) : [];
  return [...(Array.isArray(ids) ? ids : []), ...interfaces].map(String);
}

function hasPublicAddress(r: RegisteredResource, resources: readonly RegisteredResource[]): boolean {
  if (r.type === "aws:ec2/instance:Instance") {
    return r.inputs.associatePublicIpAddress === true || resources.some((e) => e.type === "aws:ec2/eip:Eip" && e.inputs.instance === r.id);
  }
  if (r.type === "aws:ec2/launchTemplate:LaunchTemplate") {
    return (r.inputs.networkInterfaces as Record<string, unknown>[] | undefined)?.some((i) => String(i.associatePublicIpAddress) === "true") ?? false;
  }
  return r.inputs.publiclyAccessible === true || r.inputs.internal === false;
}

/**
 * Every ingress rule that admits an internet address (anything outside the private ranges),
 * with the security group, what it is attached to, and whether that has a public address.
 */
export function exposureOf(rules: readonly IngressRule[], resources: readonly RegisteredResource[]): ExposureEntry[] {
  const groupsById = new Map(resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup").map((r) => [r.id, r]));
  const entries: ExposureEntry[] = [];
  for (const rule of rules) {
    for (const source of [rule.cidrIpv4, rule.cidrIpv6]) {
      if (source === undefined || isPrivateCidr(source)) continue;
      const attached = resources.filter((r) => r.custom && securityGroupIdsOf(r).includes(rule.securityGroupId));
      entries.push({
        ports: portsOf(rule),
        source,
        anywhere: source === "0.0.0.0/0" || source === "::/0",
        securityGroup: groupsById.get(rule.securityGroupId)?.name ?? rule.securityGroupId,
        attachedTo: attached.map((r) => r.name),
        publicAddress: attached.some((r) => hasPublicAddress(r, resources)),
      });
    }
  }
  return entries;
}

/** Security groups that admit HTTP (80) from anywhere but not HTTPS (443): their traffic crosses the internet in clear text. */
export function clearTextHttp(entries: readonly ExposureEntry[]): string[] {
  const groups = (port: string) => new Set(entries.filter((e) => e.anywhere && e.publicAddress && e.ports === port).map((e) => e.securityGroup));
  const https = groups("443");
  return [...groups("80")].filter((group) => !https.has(group));
}
