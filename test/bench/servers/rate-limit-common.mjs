// Shared by the rate-limiting servers: one policy, and the Redis settings the runner passes in the
// environment. By default no run ever reaches the limit, so every request is counted and none is
// limited; the flood scenario sets BENCH_RATE_LIMIT and BENCH_RATE_WINDOW so that all but the first
// few requests are refused.
import { once } from 'node:events';

/** Requests allowed per window: by default core's largest `limit`, far above what a run sends. */
export const LIMIT = Number(process.env.BENCH_RATE_LIMIT || 1_000_000_000);
/** The window, in seconds. */
export const WINDOW_SECONDS = Number(process.env.BENCH_RATE_WINDOW || 1);
/** keygate's `rateLimit.defaults`: the one policy every key gets. */
export const POLICIES = Object.freeze([Object.freeze({ name: 'burst', limit: LIMIT, windowSeconds: WINDOW_SECONDS })]);

/**
 * keygate's Redis timeout (the limiter's `timeoutMs` and its client's `commandTimeout`, so the path
 * is the default one): 100 ms as by default, unless the runner raises it (Redis under valgrind).
 */
export const REDIS_TIMEOUT_MS = Number(process.env.BENCH_REDIS_TIMEOUT_MS || 100);

/** The Redis server of the run (`REDIS_URL`, set by the runner). */
export function redisUrl() {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set (the runner sets it for the Redis scenarios)');
  return url;
}

/** This scenario's own key prefix (`BENCH_REDIS_PREFIX`, set by the runner, which deletes its keys afterwards). */
export function redisPrefix() {
  const prefix = process.env.BENCH_REDIS_PREFIX;
  if (!prefix) throw new Error('BENCH_REDIS_PREFIX is not set (the runner sets it for the Redis scenarios)');
  return prefix;
}

/** Resolves with the ioredis client once it is connected: a server announces its port only then. */
export async function ready(client) {
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}
