import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Database } from "@trafficlab/database";
import { ApiFleet, fleetCache, fleetDatabase, type FleetArgs } from "@trafficlab/fleet";
import { Network } from "@trafficlab/network";
import { installMocks, resolveOutput, type MockedProgram, type ResourceGraph } from "@trafficlab/testing";
import { TokenCache } from "@trafficlab/token-cache";

export const FLEET_IMAGE = "example/trafficlab-api:1.4.0";

export interface FleetPlatformOptions {
  /** The stack's name, which prefixes every component. Default prod. */
  stack?: string;
  /** Arguments merged over the fleet's. */
  fleet?: Partial<FleetArgs>;
  /** Cache replicas (prod: 1). */
  cacheReplicas?: number;
}

export interface FleetPlatform {
  program: MockedProgram;
  graph: ResourceGraph;
  network: Network;
  database: Database;
  tokenCache: TokenCache;
  fleet: ApiFleet;
  /** The plaintext of every secret the platform holds, to look for in plain inputs. */
  secrets: { databasePassword: string; cacheUsername: string; cachePassword: string };
}

/**
 * Network, Database, TokenCache and ApiFleet composed under the mocks as the stack does it for
 * `hosting: fleet` (stacks/program.ts): the data tier is created first and admits nobody itself;
 * the fleet adds the one rule per tier that admits its instances' security group.
 */
export async function buildFleetPlatform(options: FleetPlatformOptions = {}): Promise<FleetPlatform> {
  const stack = options.stack ?? "prod";
  const program = installMocks({ stack });
  const tags = { Project: "trafficlab", Stack: stack, ManagedBy: "pulumi" };
  const network = new Network(`${stack}-network`, { tags });
  const password = new random.RandomPassword(`${stack}-db-password`, { length: 32, special: false }).result;
  const database = new Database(`${stack}-db`, { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, password, tags }, { protect: true });
  const tokenCache = new TokenCache(`${stack}-tokens`, { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, replicas: options.cacheReplicas ?? 1, automaticFailover: (options.cacheReplicas ?? 1) > 0, tags }, { protect: true });
  const fleet = new ApiFleet(`${stack}-api`, {
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    internetAccess: network.publicInternetAccess,
    app: { image: FLEET_IMAGE, springProfile: "prod" },
    database: fleetDatabase(database, password),
    cache: fleetCache(tokenCache),
    alarms: { emails: ["ops@example.com"] },
    tags,
    ...options.fleet,
  });
  const graph = await program.settled();
  const secrets = {
    databasePassword: await resolveOutput(password),
    cacheUsername: await resolveOutput(tokenCache.username),
    cachePassword: await resolveOutput(tokenCache.password),
  };
  return { program, graph, network, database, tokenCache, fleet, secrets };
}

/** A secret for the fleet's own tests, as a stack would pass it. */
export function secretOf(value: string): pulumi.Output<string> {
  return pulumi.secret(value);
}
