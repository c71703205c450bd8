import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { transformed, type ChildTransform } from "@trafficlab/validation";

export interface PrivateTierSecurityGroupArgs {
  vpcId: pulumi.Input<string>;
  /** The one TCP port the tier serves. */
  port: number;
  /** What serves it, for the descriptions (e.g. "MySQL"). */
  service: string;
  /** Security groups admitted on the port; nothing else is, and never a CIDR. One rule each. */
  allowedSecurityGroupIds?: pulumi.Input<string>[];
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Changes to the security group's arguments or options. */
  transform?: ChildTransform<aws.ec2.SecurityGroupArgs>;
}

export interface PrivateTierSecurityGroup {
  securityGroup: aws.ec2.SecurityGroup;
  /** One per admitted security group. */
  ingressRules: aws.vpc.SecurityGroupIngressRule[];
}

/**
 * The security group of a private data tier (database, cache): one port, open only to the
 * security groups given, each by a rule of its own (aws.vpc.SecurityGroupIngressRule), so
 * another project can add its own rules without a conflict. No egress: the provider removes
 * AWS's default allow-all egress rule when it creates the group, and a managed data store
 * opens no connections. The description is fixed: changing it would replace the group.
 */
export function privateTierSecurityGroup(name: string, args: PrivateTierSecurityGroupArgs, opts: pulumi.CustomResourceOptions): PrivateTierSecurityGroup {
  const securityGroup = new aws.ec2.SecurityGroup(
    name,
    ...transformed(args.transform, { vpcId: args.vpcId, description: `${args.service}: port ${args.port} from the admitted security groups only`, tags: args.tags }, opts),
  );
  const ingressRules = (args.allowedSecurityGroupIds ?? []).map(
    (source, i) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-${i}`,
        { securityGroupId: securityGroup.id, description: `${args.service} from an admitted security group`, ipProtocol: "tcp", fromPort: args.port, toPort: args.port, referencedSecurityGroupId: source },
        { ...opts, parent: opts.parent },
      ),
  );
  return { securityGroup, ingressRules };
}
