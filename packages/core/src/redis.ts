/** @keygate/core/redis: Redis-backed rate limiting and key storage on ioredis. */

/** An audit log in capped Redis streams, batched off the request path, for createKeygate's `audit` option. */
export { RedisAuditSink, type RedisAuditSinkOptions } from './audit/redis/sink.js';
/** Cross-instance cache invalidation over Redis pub/sub, for createKeygate's `invalidation` option. */
export { RedisInvalidationBus, type RedisInvalidationBusOptions } from './lifecycle/redis-invalidation.js';
/** ioredis clients set up for rate limiting: fail fast, never queue, reconnect forever. */
export {
  createRateLimitRedisClient,
  createRateLimitRedisCluster,
  rateLimitRedisOptions,
} from './rate-limit/redis/client.js';
/** A RateLimiter on Redis or Redis Cluster: one Lua script (GCRA) per call, Redis time, bounded waits. */
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limit/redis/limiter.js';
/** A KeyStore on Redis or Redis Cluster: Lua-atomic writes and per-owner cap, each owner in one hash slot. */
export { RedisStore, type RedisStoreOptions } from './stores/redis/store.js';
