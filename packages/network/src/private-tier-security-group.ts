import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface PrivateTierSecurityGroupArgs {
  vpcId: pulumi.Input<string>;
  /** The one TCP port the tier serves. */
  port: number;
  /** What serves it, for the descriptions (e.g. "MySQL"). */
  service: string;
  /** Security groups admitted on the port; nothing else is, and never a CIDR. */
  allowedSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The security group of a private data tier (database, cache): one port, open only to the
 * security groups given, and no egress, since a managed data store opens no connections.
 */
export function privateTierSecurityGroup(name: string, args: PrivateTierSecurityGroupArgs, opts: pulumi.CustomResourceOptions): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(
    name,
    {
      vpcId: args.vpcId,
      description: `${args.service}: port ${args.port} from the admitted security groups only`,
      ingress: [
        {
          description: `${args.service} from the admitted security groups`,
          protocol: "tcp",
          fromPort: args.port,
          toPort: args.port,
          securityGroups: args.allowedSecurityGroupIds ?? [],
        },
      ],
      egress: [],
      tags: args.tags,
    },
    opts,
  );
}
