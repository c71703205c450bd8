import { randomBytes } from "node:crypto";
import * as random from "@pulumi/random";
import { Database } from "@trafficlab/database";
import { ApiFleet, FLEET_DEFAULTS, decodeUserData, fleetCache, fleetDatabase } from "@trafficlab/fleet";
import { Network } from "@trafficlab/network";
import { TokenCache } from "@trafficlab/token-cache";
import { awsLikeState, installMocks, resolveOutput, withCapturedConsole, type ResourceGraph } from "@trafficlab/testing";

/**
 * The fleet's stack recorded under mocks whose answers point at the e2e world: Network,
 * Database, TokenCache and ApiFleet composed as packages/fleet/test/fleet-platform.ts composes
 * them (and stacks/program.ts for `hosting: fleet`), for a dev-like stack. The RDS
 * instance's address is MariaDB's, the replication group's endpoint Valkey's, and random
 * passwords are really random (per recording). What the test boots is the launch template's
 * recorded `userData`: the bytes `pulumi up` would send to EC2.
 */

export interface FleetWorldAddresses {
  region: string;
  /** MariaDB (RDS MySQL's `address`). */
  mysqlIp: string;
  /** Valkey (the replication group's `primaryEndpointAddress`). */
  valkeyIp: string;
}

export interface FleetRecording {
  graph: ResourceGraph;
  /** The launch template's `userData`, as recorded: base64 of the gzipped cloud-config. */
  userData: string;
  /** decodeUserData(userData): the `#cloud-config`. */
  cloudConfig: string;
  /** What Parameter Store holds after the `up`: name -> value of every aws.ssm.Parameter (SecureString). */
  parameters: Record<string, string>;
  /** The plaintext secrets, by name (never printed). */
  secrets: { databasePassword: string; cacheUsername: string; cachePassword: string };
  /** The non-secret data tier settings the stack gave the components. */
  database: { name: string; username: string };
  healthPath: string;
  secretsPath: string;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomAlphanumeric(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
  }
  return out;
}

export interface RecordOptions {
  /** The stack's name (dev: `dev-api`, parameters under /trafficlab/dev/dev-api). */
  stack?: string;
  /** The API image reference the stack is configured with. */
  image: string;
  springProfile?: string;
  /** Passwords to reuse (a second recording of the same stack keeps the data tier's secrets, as Pulumi's state does). */
  keep?: { databasePassword: string; cachePassword: string };
}

/**
 * Records the fleet's stack and returns its launch template's user data and its Parameter
 * Store contents. `keep` gives a later `up` (a new image) the same random passwords: Pulumi keeps
 * the outputs of the resources it does not replace.
 */
export async function recordFleet(world: FleetWorldAddresses, options: RecordOptions): Promise<FleetRecording> {
  const stack = options.stack ?? "dev";
  const passwords: Record<string, string> = {};
  const program = installMocks({
    stack,
    region: world.region,
    mocks: {
      newResource: (args) => {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const base = awsLikeState(args.type, args.name, inputs, world.region);
        switch (args.type) {
          case "aws:rds/instance:Instance": {
            const port = Number(inputs.port ?? 3306);
            Object.assign(base.state, { address: world.mysqlIp, port, endpoint: `${world.mysqlIp}:${port}` });
            break;
          }
          case "aws:elasticache/replicationGroup:ReplicationGroup":
            Object.assign(base.state, { primaryEndpointAddress: world.valkeyIp, readerEndpointAddress: world.valkeyIp, port: Number(inputs.port ?? 6379) });
            break;
          case "random:index/randomPassword:RandomPassword": {
            const kept = args.name.endsWith("-db-password") ? options.keep?.databasePassword : args.name.endsWith("-password") ? options.keep?.cachePassword : undefined;
            passwords[args.name] = kept ?? randomAlphanumeric(Number(inputs.length ?? 32));
            base.state.result = passwords[args.name];
            break;
          }
        }
        return base;
      },
    },
  });
  const tags = { Project: "trafficlab", Stack: stack, ManagedBy: "pulumi" };
  const { result } = await withCapturedConsole(async () => {
    const network = new Network(`${stack}-network`, { tags });
    const password = new random.RandomPassword(`${stack}-db-password`, { length: 32, special: false }).result;
    const database = new Database(`${stack}-db`, { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, password, tags });
    const tokenCache = new TokenCache(`${stack}-tokens`, { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, replicas: 0, automaticFailover: false, tags });
    const fleet = new ApiFleet(`${stack}-api`, {
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      internetAccess: network.publicInternetAccess,
      app: { image: options.image, springProfile: options.springProfile ?? stack },
      database: fleetDatabase(database, password),
      cache: fleetCache(tokenCache),
      minSize: 2,
      maxSize: 4,
      tags,
    });
    const graph = await program.settled();
    return {
      graph,
      secrets: {
        databasePassword: await resolveOutput(password),
        cacheUsername: await resolveOutput(tokenCache.username),
        cachePassword: await resolveOutput(tokenCache.password),
      },
      database: { name: await resolveOutput(database.databaseName), username: await resolveOutput(database.username) },
      healthPath: fleet.settings.healthPath,
      secretsPath: fleet.settings.secretsPath,
    };
  });
  const launchTemplates = result.graph.ofType("aws:ec2/launchTemplate:LaunchTemplate");
  if (launchTemplates.length !== 1) throw new Error(`expected one launch template, the recording has ${launchTemplates.length}`);
  const userData = String(launchTemplates[0]!.inputs.userData);
  const parameters: Record<string, string> = {};
  for (const parameter of result.graph.ofType("aws:ssm/parameter:Parameter")) {
    if (parameter.inputs.type !== "SecureString") throw new Error(`${parameter.name}: not a SecureString`);
    parameters[String(parameter.inputs.name)] = String(parameter.inputs.value);
  }
  return { ...result, userData, cloudConfig: decodeUserData(userData), parameters };
}

/** The deregistration delay and health check the fleet gives its target group (what the local balancer imitates, scaled down). */
export const TARGET_GROUP = { deregistrationDelaySeconds: FLEET_DEFAULTS.deregistrationDelaySeconds, ...FLEET_DEFAULTS.healthCheck };
