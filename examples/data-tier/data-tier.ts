import * as pulumi from "@pulumi/pulumi";
import { Database } from "@trafficlab/database";
import { TokenCache } from "@trafficlab/token-cache";

export interface DataTierArgs {
  /** The VPC you already have. */
  vpcId: pulumi.Input<string>;
  /** Two or more private subnets of it, in different availability zones. */
  privateSubnetIds: pulumi.Input<string>[];
  /** The security group of your application: the only one admitted to MySQL and Valkey. */
  appSecurityGroupId: pulumi.Input<string>;
  /** The RDS instance class. Default `db.t3.micro`. */
  databaseClass?: string;
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
}

/**
 * A data tier for an application that already runs in its own VPC: RDS MySQL 8.4 (its password
 * kept by RDS in Secrets Manager) and ElastiCache Valkey with TLS and a generated user, both in
 * private subnets, each admitting only the application's security group.
 */
export function dataTier(name: string, args: DataTierArgs) {
  const placement = { vpcId: args.vpcId, subnetIds: args.privateSubnetIds, allowedSecurityGroupIds: [args.appSecurityGroupId], tags: args.tags };
  const database = new Database(`${name}-db`, { ...placement, instanceClass: args.databaseClass, databaseName: "orders", timeZone: "Asia/Seoul" });
  const tokenCache = new TokenCache(`${name}-tokens`, { ...placement, expectedUsers: 50_000 });
  return {
    database,
    tokenCache,
    outputs: {
      databaseEndpoint: database.endpoint,
      databasePasswordSecretArn: database.masterUserSecretArn,
      cacheUrl: tokenCache.url,
      cacheUsername: tokenCache.username,
      cachePassword: tokenCache.password,
    },
  };
}
