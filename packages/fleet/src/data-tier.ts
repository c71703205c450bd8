import type * as pulumi from "@pulumi/pulumi";
import type { FleetCache, FleetDatabase } from "./settings";

/** What fleetDatabase reads of a database: @trafficlab/database's Database fits. */
export interface DatabaseLike {
  address: pulumi.Input<string>;
  port: pulumi.Input<number>;
  databaseName: pulumi.Input<string>;
  username: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  nodes: { instance: { identifier: pulumi.Input<string> } };
  settings: { instanceClass: string; allocatedStorageGiB: number };
}

/** What fleetCache reads of a token cache: @trafficlab/token-cache's TokenCache fits. */
export interface TokenCacheLike {
  primaryEndpoint: pulumi.Input<string>;
  port: pulumi.Input<number>;
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  nodes: { replicationGroup: { replicationGroupId: pulumi.Input<string> } };
  settings: { nodeType: string; replicas: number };
}

/** A Database as the fleet's `database` argument; the password is the one the stack gave it (a secret). */
export function fleetDatabase(database: DatabaseLike, password: pulumi.Input<string>): FleetDatabase {
  return {
    address: database.address,
    port: database.port,
    name: database.databaseName,
    username: database.username,
    password,
    securityGroupId: database.securityGroupId,
    // The RDS identifier (CloudWatch's DBInstanceIdentifier), not `id`, which the provider sets to the resource id.
    identifier: database.nodes.instance.identifier,
    instanceClass: database.settings.instanceClass,
    allocatedStorageGiB: database.settings.allocatedStorageGiB,
  };
}

/** A TokenCache as the fleet's `cache` argument. */
export function fleetCache(cache: TokenCacheLike): FleetCache {
  return {
    primaryEndpoint: cache.primaryEndpoint,
    port: cache.port,
    tls: true,
    username: cache.username,
    password: cache.password,
    securityGroupId: cache.securityGroupId,
    replicationGroupId: cache.nodes.replicationGroup.replicationGroupId,
    nodeType: cache.settings.nodeType,
    nodes: 1 + cache.settings.replicas,
  };
}
