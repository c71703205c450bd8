export { TokenCache, elastiCacheIdBase } from "./token-cache";
export { CACHE_ENGINES, MONITORING_ACCESS_STRING, TOKEN_CACHE_DEFAULTS, TOKEN_CACHE_TYPE, resolveTokenCacheSettings, type CacheEngine, type TokenCacheArgs, type TokenCacheSettings, type TokenCacheTransforms } from "./settings";
export {
  CACHE_NODE_MEMORY_GIB,
  RESERVED_MEMORY_PERCENT,
  DOCUMENT_USERS,
  DOCUMENT_BYTES_PER_USER,
  usableBytes,
  requiredBytes,
  smallestNodeTypeFor,
} from "./sizing";
