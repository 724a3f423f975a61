import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis settings for rate limiting: answer or fail within `timeoutMs`, never queue commands while
 * disconnected (a request must not wait on a dead Redis), and reconnect forever in the background
 * (at most 1 s apart) so limits come back without a restart.
 */
export function rateLimitRedisOptions(timeoutMs = 100): RedisOptions {
  return {
    commandTimeout: timeoutMs,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 1000),
  };
}

/**
 * A Redis client set up with {@link rateLimitRedisOptions} (overrides win). Connection errors are
 * left to the limiter's once-per-outage warning instead of ioredis' log line per reconnect attempt.
 * Meant for the limiter alone: its fail-fast settings (no offline queue, no retry) suit rate limiting.
 * Default URL `redis://127.0.0.1:6379`.
 *
 * @example
 * ```ts
 * const client = createRateLimitRedisClient(process.env.REDIS_URL, { commandTimeout: 50 });
 * const limiter = new RedisRateLimiter({ client, timeoutMs: 50 });
 * ```
 */
export function createRateLimitRedisClient(url = 'redis://127.0.0.1:6379', overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...rateLimitRedisOptions(), ...overrides });
  client.on('error', () => {});
  return client;
}

/** A Redis Cluster client with the same fail-fast settings, per node and for the cluster (overrides win). */
export function createRateLimitRedisCluster(nodes: ClusterNode[], overrides: ClusterOptions = {}): Cluster {
  const { enableOfflineQueue: _queue, ...nodeOptions } = rateLimitRedisOptions();
  const client = new Cluster(nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 50, 1000),
    slotsRefreshTimeout: 1000,
    ...overrides,
    redisOptions: { ...nodeOptions, ...overrides.redisOptions },
  });
  client.on('error', () => {});
  return client;
}
