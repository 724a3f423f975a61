/** @keygate/core/redis: Redis-backed rate limiting and key storage on ioredis. */

/** ioredis clients set up for rate limiting: fail fast, never queue, reconnect forever. */
export { createRateLimitRedisClient, createRateLimitRedisCluster, rateLimitRedisOptions } from './client.js';
/** Cross-instance cache invalidation over Redis pub/sub, for createKeygate's `invalidation` option. */
export { RedisInvalidationBus, type RedisInvalidationBusOptions } from './invalidation.js';
/** A RateLimiter on Redis or Redis Cluster: one Lua script (GCRA) per call, Redis time, bounded waits. */
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter.js';
/** A KeyStore on Redis or Redis Cluster: Lua-atomic writes and per-owner cap, each owner in one hash slot. */
export { RedisStore, type RedisStoreOptions } from './store.js';
