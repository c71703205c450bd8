import * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import { ArgumentChecks, componentLabel, explainRefusedType, requireIntegerInRange, requireOneOf, type ChildTransform } from "@trafficlab/validation";
import { CACHE_NODE_MEMORY_GIB, DOCUMENT_BYTES_PER_USER, DOCUMENT_USERS, RESERVED_MEMORY_PERCENT, formatMegabytes, requiredBytes, smallestNodeTypeFor, usableBytes } from "./sizing";

export const TOKEN_CACHE_TYPE = "trafficlab:token-cache:TokenCache";

/** Engine versions ElastiCache creates, with the parameter group family each needs. */
export const CACHE_ENGINES = {
  valkey: { versions: { "7.2": "valkey7", "8.0": "valkey8", "8.1": "valkey8" }, defaultVersion: "8.1" },
  // Redis OSS stops at 7.1 on ElastiCache.
  redis: { versions: { "7.0": "redis7", "7.1": "redis7" }, defaultVersion: "7.1" },
} as const;

export type CacheEngine = keyof typeof CACHE_ENGINES;

export interface TokenCacheArgs {
  /** The VPC the cache lives in. */
  vpcId: pulumi.Input<string>;
  /** Private subnets in at least two AZs. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups admitted on port 6379, one rule each.
   * @default none: nothing can connect
   */
  allowedSecurityGroupIds?: pulumi.Input<string>[];
  /** `valkey` (Redis-compatible, 20 % cheaper per node) or `redis` (Redis OSS). */
  engine?: CacheEngine;
  /**
   * Valkey 7.2, 8.0, 8.1; Redis OSS 7.0, 7.1 (Redis OSS stops at 7.1 on ElastiCache).
   * @default `8.1` for Valkey, `7.1` for Redis OSS
   */
  engineVersion?: string;
  /** The node type; it must hold expectedUsers' tokens. T2 nodes are refused: AWS no longer creates clusters on them. */
  nodeType?: string;
  /** Read replicas beside the primary, 0 to 5 (the document runs one primary, no replica). */
  replicas?: number;
  /** Promote a replica when the primary fails (needs replicas >= 1). */
  automaticFailover?: boolean;
  /** Users whose refresh tokens the cache must hold (the document's peak monthly visitors). */
  expectedUsers?: number;
  /** Bytes one user's tokens take (the document's 300 MB / 886,440 users). */
  bytesPerUser?: number;
  /** `noeviction`: evicting a blacklist entry would silently un-revoke a stolen token, so the cache refuses writes instead. */
  maxmemoryPolicy?: "noeviction" | "volatile-lru" | "volatile-ttl" | "allkeys-lru";
  /** Days of daily snapshots, 0 (off) to 35. */
  snapshotRetentionDays?: number;
  /**
   * Apply a node type, engine version or replica change now instead of in the next maintenance
   * window, until which `pulumi up` keeps showing the change (false, as in ElastiCache).
   */
  applyImmediately?: boolean;
  /**
   * A second user, for a metrics exporter: `+ping +info` and nothing else (no key, no channel),
   * its own password, in the user group beside the app's. Its credentials never rotate with the app's.
   * @default false
   */
  monitoringUser?: boolean;
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
  /** Changes to the child resources the component does not offer as arguments: the security group, subnet group, parameter group, user group, replication group. */
  transform?: TokenCacheTransforms;
}

/** Per-child changes: arguments merged over the component's, or a function editing args and options. */
export interface TokenCacheTransforms {
  securityGroup?: ChildTransform<aws.ec2.SecurityGroupArgs>;
  subnetGroup?: ChildTransform<aws.elasticache.SubnetGroupArgs>;
  parameterGroup?: ChildTransform<aws.elasticache.ParameterGroupArgs>;
  userGroup?: ChildTransform<aws.elasticache.UserGroupArgs>;
  replicationGroup?: ChildTransform<aws.elasticache.ReplicationGroupArgs>;
}

/** The monitoring user's ACL: PING and INFO (memory, evictions, clients), no key, no channel, no admin command. */
export const MONITORING_ACCESS_STRING = "on -@all +ping +info";

export const TOKEN_CACHE_DEFAULTS = {
  engine: "valkey",
  nodeType: "cache.t4g.micro",
  replicas: 0,
  automaticFailover: false,
  expectedUsers: DOCUMENT_USERS,
  bytesPerUser: DOCUMENT_BYTES_PER_USER,
  maxmemoryPolicy: "noeviction",
  snapshotRetentionDays: 1,
  applyImmediately: false,
  port: 6379,
} as const;

export interface TokenCacheSettings {
  engine: CacheEngine;
  engineVersion: string;
  parameterGroupFamily: string;
  nodeType: string;
  replicas: number;
  automaticFailover: boolean;
  expectedUsers: number;
  bytesPerUser: number;
  maxmemoryPolicy: string;
  snapshotRetentionDays: number;
  applyImmediately: boolean;
}

/** Checks every plain argument, sizing included; throws one InvalidArgumentError naming all the problems before anything is registered. */
export function resolveTokenCacheSettings(name: string, args: TokenCacheArgs): TokenCacheSettings {
  const component = componentLabel(TOKEN_CACHE_TYPE, name);
  const checks = new ArgumentChecks(component);
  const engine = checks.take(() => requireOneOf(component, "engine", args.engine ?? TOKEN_CACHE_DEFAULTS.engine, ["valkey", "redis"] as const), undefined);
  const versions: Record<string, string> = engine ? CACHE_ENGINES[engine].versions : {};
  const engineVersion = engine
    ? checks.take(() => requireOneOf(component, "engineVersion", args.engineVersion ?? CACHE_ENGINES[engine].defaultVersion, Object.keys(versions), `(for engine ${engine})`), undefined)
    : undefined;
  const nodeType = args.nodeType ?? TOKEN_CACHE_DEFAULTS.nodeType;
  const knownNode = nodeType in CACHE_NODE_MEMORY_GIB;
  if (nodeType.startsWith("cache.t2.")) {
    checks.refuse(
      "nodeType",
      nodeType,
      `AWS no longer creates new ElastiCache clusters on T2 nodes (previous generation). Use cache.t4g.micro (the default) or cache.t3.micro.`,
    );
  } else if (!knownNode) {
    checks.refuse(
      "nodeType",
      nodeType,
      explainRefusedType(nodeType, {
        prefix: "cache.",
        default: TOKEN_CACHE_DEFAULTS.nodeType,
        allowed: Object.keys(CACHE_NODE_MEMORY_GIB),
        what: "the token cache",
        why: "the node types whose memory the cache's sizing table holds (the node is sized for expectedUsers)",
      }),
    );
  }
  const replicas = checks.take(() => requireIntegerInRange(component, "replicas", args.replicas ?? TOKEN_CACHE_DEFAULTS.replicas, 0, 5), TOKEN_CACHE_DEFAULTS.replicas);
  const automaticFailover = args.automaticFailover ?? TOKEN_CACHE_DEFAULTS.automaticFailover;
  if (automaticFailover && replicas === 0) {
    checks.refuse("automaticFailover", true, "It needs replicas >= 1: with a single node there is nothing to fail over to.");
  }
  const expectedUsers = checks.take(() => requireIntegerInRange(component, "expectedUsers", args.expectedUsers ?? TOKEN_CACHE_DEFAULTS.expectedUsers, 1, 1e9), undefined);
  const bytesPerUser = checks.take(() => requireIntegerInRange(component, "bytesPerUser", args.bytesPerUser ?? TOKEN_CACHE_DEFAULTS.bytesPerUser, 1, 1e6), undefined);
  if (knownNode && expectedUsers !== undefined && bytesPerUser !== undefined) {
    const needed = requiredBytes(expectedUsers, bytesPerUser);
    if (needed > usableBytes(nodeType)) {
      const fits = smallestNodeTypeFor(expectedUsers, bytesPerUser);
      checks.refuse(
        "nodeType",
        nodeType,
        `${expectedUsers} users x ${bytesPerUser} bytes = ${formatMegabytes(needed)}, but ${nodeType} holds ${formatMegabytes(usableBytes(nodeType))} ` +
          `after ElastiCache's ${RESERVED_MEMORY_PERCENT} % reserved memory. ` +
          (fits ? `The smallest node type that fits is ${fits}.` : "No single node type holds that; lower expectedUsers or shard the cache."),
      );
    }
  }
  const maxmemoryPolicy = checks.take(
    () => requireOneOf(component, "maxmemoryPolicy", args.maxmemoryPolicy ?? TOKEN_CACHE_DEFAULTS.maxmemoryPolicy, ["noeviction", "volatile-lru", "volatile-ttl", "allkeys-lru"] as const),
    TOKEN_CACHE_DEFAULTS.maxmemoryPolicy,
  );
  const snapshotRetentionDays = checks.take(
    () => requireIntegerInRange(component, "snapshotRetentionDays", args.snapshotRetentionDays ?? TOKEN_CACHE_DEFAULTS.snapshotRetentionDays, 0, 35),
    TOKEN_CACHE_DEFAULTS.snapshotRetentionDays,
  );
  checks.done();
  return {
    engine: engine!,
    engineVersion: engineVersion!,
    parameterGroupFamily: versions[engineVersion!]!,
    nodeType,
    replicas,
    automaticFailover,
    expectedUsers: expectedUsers!,
    bytesPerUser: bytesPerUser!,
    maxmemoryPolicy,
    snapshotRetentionDays,
    applyImmediately: args.applyImmediately ?? TOKEN_CACHE_DEFAULTS.applyImmediately,
  };
}
