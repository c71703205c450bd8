/** Memory of each ElastiCache node type AWS still creates, GiB (AWS node-type table), cheapest first. */
export const CACHE_NODE_MEMORY_GIB: Readonly<Record<string, number>> = {
  "cache.t4g.micro": 0.5,
  "cache.t3.micro": 0.5,
  "cache.t4g.small": 1.37,
  "cache.t3.small": 1.37,
  "cache.t4g.medium": 3.09,
  "cache.t3.medium": 3.09,
  "cache.m7g.large": 6.38,
  "cache.m6g.large": 6.38,
  "cache.r7g.large": 13.07,
  "cache.r6g.large": 13.07,
  "cache.m7g.xlarge": 12.93,
  "cache.m6g.xlarge": 12.93,
  "cache.r7g.xlarge": 26.32,
  "cache.r6g.xlarge": 26.32,
};

/** ElastiCache's default `reserved-memory-percent`: memory kept back for replication and snapshots. */
export const RESERVED_MEMORY_PERCENT = 25;

/** From the design document: refresh tokens of 886,440 users take about 300 MB (about 340 bytes each). */
export const DOCUMENT_USERS = 886_440;
export const DOCUMENT_BYTES_PER_USER = 340;

const GIB = 1024 ** 3;

export function usableBytes(nodeType: string): number {
  const gib = CACHE_NODE_MEMORY_GIB[nodeType];
  if (gib === undefined) throw new Error(`unknown node type ${nodeType}`);
  return Math.floor(gib * GIB * (1 - RESERVED_MEMORY_PERCENT / 100));
}

export function requiredBytes(expectedUsers: number, bytesPerUser: number): number {
  return expectedUsers * bytesPerUser;
}

/** The node type with the least memory that holds the users; undefined when none does. */
export function smallestNodeTypeFor(expectedUsers: number, bytesPerUser: number): string | undefined {
  const needed = requiredBytes(expectedUsers, bytesPerUser);
  return Object.keys(CACHE_NODE_MEMORY_GIB)
    .filter((type) => usableBytes(type) >= needed)
    .sort((a, b) => CACHE_NODE_MEMORY_GIB[a]! - CACHE_NODE_MEMORY_GIB[b]!)[0];
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
