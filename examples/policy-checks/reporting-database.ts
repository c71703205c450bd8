import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ReportingDatabaseArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** The one security group admitted on 3306. */
  appSecurityGroupId: pulumi.Input<string>;
  /** For the tests: what a hurried change might do. */
  publiclyAccessible?: boolean;
  /** For the tests: an ingress rule from anywhere. */
  openToInternet?: boolean;
}

/** A MySQL instance written with plain @pulumi/aws resources, not the trafficlab components. */
export function reportingDatabase(name: string, args: ReportingDatabaseArgs) {
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: `MySQL of ${name}` });
  new aws.vpc.SecurityGroupIngressRule(`${name}-from-app`, {
    securityGroupId: securityGroup.id,
    referencedSecurityGroupId: args.appSecurityGroupId,
    ipProtocol: "tcp",
    fromPort: 3306,
    toPort: 3306,
  });
  if (args.openToInternet) {
    new aws.vpc.SecurityGroupIngressRule(`${name}-from-anywhere`, { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 3306, toPort: 3306 });
  }
  const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.privateSubnetIds });
  const instance = new aws.rds.Instance(`${name}-mysql`, {
    engine: "mysql",
    engineVersion: "8.4",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    storageType: "gp3",
    storageEncrypted: true,
    publiclyAccessible: args.publiclyAccessible ?? false,
    dbSubnetGroupName: subnets.name,
    vpcSecurityGroupIds: [securityGroup.id],
    username: "report",
    manageMasterUserPassword: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: `${name}-final`,
    backupRetentionPeriod: 7,
  });
  return { endpoint: instance.endpoint };
}
