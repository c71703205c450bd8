import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentError, componentLabel, requireIntegerInRange, requireOneOf } from "@trafficlab/validation";
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
  /** The VPC the cache lives in. Required. */
  vpcId: pulumi.Input<string>;
  /** Private subnets in at least two AZs. Required. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups admitted on port 6379. Default: none. */
  allowedSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** `valkey` (Redis-compatible, 20 % cheaper per node) or `redis` (Redis OSS). Default `valkey`. */
  engine?: CacheEngine;
  /** Default `8.1` for Valkey, `7.1` for Redis OSS. */
  engineVersion?: string;
  /** Default `cache.t4g.micro`. T2 nodes are refused: AWS no longer creates clusters on them. */
  nodeType?: string;
  /** Read replicas beside the primary, 0 to 5. Default 0 (the document's single node). */
  replicas?: number;
  /** Promote a replica when the primary fails (needs replicas >= 1). Default false. */
  automaticFailover?: boolean;
  /** Users whose refresh tokens the cache must hold. Default 886,440 (the document's peak). */
  expectedUsers?: number;
  /** Memory one user's tokens take. Default 340 (300 MB / 886,440 users). */
  bytesPerUser?: number;
  /** Default `noeviction`: evicting a blacklist entry would silently un-revoke a stolen token. */
  maxmemoryPolicy?: "noeviction" | "volatile-lru" | "volatile-ttl" | "allkeys-lru";
  /** Days of daily snapshots, 0 (off) to 35. Default 1. */
  snapshotRetentionDays?: number;
  /**
   * Apply a node type, engine version or replica change now instead of in the next maintenance
   * window, until which `pulumi up` keeps showing the change. Default false, as in ElastiCache.
   */
  applyImmediately?: boolean;
  /** Added to every resource's tags. Default {}. */
  tags?: Record<string, string>;
}

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

export function resolveTokenCacheSettings(name: string, args: TokenCacheArgs): TokenCacheSettings {
  const component = componentLabel(TOKEN_CACHE_TYPE, name);
  const engine = requireOneOf(component, "engine", args.engine ?? TOKEN_CACHE_DEFAULTS.engine, ["valkey", "redis"] as const);
  const versions: Record<string, string> = CACHE_ENGINES[engine].versions;
  const engineVersion = requireOneOf(component, "engineVersion", args.engineVersion ?? CACHE_ENGINES[engine].defaultVersion, Object.keys(versions), `(for engine ${engine})`);
  const nodeType = args.nodeType ?? TOKEN_CACHE_DEFAULTS.nodeType;
  if (nodeType.startsWith("cache.t2.")) {
    throw new InvalidArgumentError(
      component,
      "nodeType",
      nodeType,
      `AWS no longer creates new ElastiCache clusters on T2 nodes (previous generation). Use cache.t4g.micro (the default) or cache.t3.micro.`,
    );
  }
  if (!(nodeType in CACHE_NODE_MEMORY_GIB)) {
    throw new InvalidArgumentError(component, "nodeType", nodeType, `Allowed: ${Object.keys(CACHE_NODE_MEMORY_GIB).join(", ")}.`);
  }
  const replicas = requireIntegerInRange(component, "replicas", args.replicas ?? TOKEN_CACHE_DEFAULTS.replicas, 0, 5);
  const automaticFailover = args.automaticFailover ?? TOKEN_CACHE_DEFAULTS.automaticFailover;
  if (automaticFailover && replicas === 0) {
    throw new InvalidArgumentError(component, "automaticFailover", true, "It needs replicas >= 1: with a single node there is nothing to fail over to.");
  }
  const expectedUsers = requireIntegerInRange(component, "expectedUsers", args.expectedUsers ?? TOKEN_CACHE_DEFAULTS.expectedUsers, 1, 1e9);
  const bytesPerUser = requireIntegerInRange(component, "bytesPerUser", args.bytesPerUser ?? TOKEN_CACHE_DEFAULTS.bytesPerUser, 1, 1e6);
  const needed = requiredBytes(expectedUsers, bytesPerUser);
  if (needed > usableBytes(nodeType)) {
    const fits = smallestNodeTypeFor(expectedUsers, bytesPerUser);
    throw new InvalidArgumentError(
      component,
      "nodeType",
      nodeType,
      `${expectedUsers} users x ${bytesPerUser} bytes = ${formatMegabytes(needed)}, but ${nodeType} holds ${formatMegabytes(usableBytes(nodeType))} ` +
        `after ElastiCache's ${RESERVED_MEMORY_PERCENT} % reserved memory. ` +
        (fits ? `The smallest node type that fits is ${fits}.` : "No single node type holds that; lower expectedUsers or shard the cache."),
    );
  }
  const maxmemoryPolicy = requireOneOf(component, "maxmemoryPolicy", args.maxmemoryPolicy ?? TOKEN_CACHE_DEFAULTS.maxmemoryPolicy, [
    "noeviction",
    "volatile-lru",
    "volatile-ttl",
    "allkeys-lru",
  ] as const);
  const snapshotRetentionDays = requireIntegerInRange(component, "snapshotRetentionDays", args.snapshotRetentionDays ?? TOKEN_CACHE_DEFAULTS.snapshotRetentionDays, 0, 35);
  return {
    engine,
    engineVersion,
    parameterGroupFamily: versions[engineVersion]!,
    nodeType,
    replicas,
    automaticFailover,
    expectedUsers,
    bytesPerUser,
    maxmemoryPolicy,
    snapshotRetentionDays,
    applyImmediately: args.applyImmediately ?? TOKEN_CACHE_DEFAULTS.applyImmediately,
  };
}
