// Shared by the three examples: the keygate they run on and the banner they print.
// In-memory by default; set KEYGATE_STORE to keep keys in Redis or PostgreSQL, as production does.
import { createKeygate, type Keygate, MemoryStore, type RateLimitOptions } from '@keygate/core';
import { PostgresStore } from '@keygate/core/postgres';
import { createRateLimitRedisClient, RedisInvalidationBus, RedisRateLimiter, RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import pg from 'pg';

/** What an example app needs: the keygate, its rate limits, and how to shut down. */
export interface Demo {
  readonly keygate: Keygate;
  readonly rateLimit: RateLimitOptions;
  /** Where keys live, for the banner. */
  readonly storeName: string;
  close(): Promise<void>;
}

// Every key: 10 requests per second in bursts, 10 000 a day.
const defaults = [
  { name: 'burst', limit: 10, windowSeconds: 1 },
  { name: 'daily', limit: 10_000, windowSeconds: 86_400 },
];

/**
 * KEYGATE_STORE unset: MemoryStore and an in-memory limiter.
 * `redis://…`: RedisStore, a Redis limiter and pub/sub revocation across instances.
 * `postgres://…`: PostgresStore (migrated on start) and an in-memory limiter.
 */
export async function createDemo(
  url = process.env.KEYGATE_STORE,
  where: { redisPrefix?: string; postgresSchema?: string } = {},
): Promise<Demo> {
  if (!url) {
    const keygate = createKeygate({ store: new MemoryStore(), prefix: 'demo' });
    return { keygate, rateLimit: { defaults }, storeName: 'memory', close: async () => {} };
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const client = new Redis(url);
    const subscriber = new Redis(url);
    const limiterClient = createRateLimitRedisClient(url);
    const keyPrefix = where.redisPrefix ?? 'keygate:';
    const invalidation = new RedisInvalidationBus({ publisher: client, subscriber, channel: `${keyPrefix}invalidate` });
    const store = new RedisStore({ client, keyPrefix });
    const keygate = createKeygate({ store, prefix: 'demo', invalidation });
    const limiter = new RedisRateLimiter({ client: limiterClient, keyPrefix: `${keyPrefix}rl:` });
    const rateLimit = { defaults, limiter };
    const close = async () => {
      await keygate.close();
      await Promise.all([client.quit(), subscriber.quit(), limiterClient.quit()]);
    };
    return { keygate, rateLimit, storeName: 'Redis', close };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url });
    const store = new PostgresStore({ pool, schema: where.postgresSchema ?? 'public' });
    await store.migrate();
    const keygate = createKeygate({ store, prefix: 'demo' });
    return { keygate, rateLimit: { defaults }, storeName: 'PostgreSQL', close: () => pool.end() };
  }
  throw new Error('KEYGATE_STORE must be a redis:// or postgres:// URL (or unset for memory).');
}

/** The demo owner's plan: 100 credits a day, spent by GET /api/search. */
export const DEMO_PLAN = { remaining: 100, refill: { amount: 100, interval: 'day' } } as const;

/** Mints one demo key (its owner on {@link DEMO_PLAN}) and prints it once, with curl lines to try every route. */
export async function printDemoKey(demo: Demo, framework: string, port: number): Promise<void> {
  const { key, apiKey } = await demo.keygate.keys.create({
    name: 'demo key',
    owner: 'demo-user',
    scopes: ['reports:read', 'keys:manage'],
    expiresIn: 24 * 60 * 60 * 1000,
  });
  const credits = await demo.keygate.credits.set({ owner: apiKey.owner }, DEMO_PLAN);
  const base = `http://127.0.0.1:${port}`;
  console.log(`keygate ${framework} example listening on ${base} (keys in ${demo.storeName})

A demo key was minted (id ${apiKey.id}, scopes: ${apiKey.scopes.join(' ')}); its owner has
${credits?.remaining} credits, refilled daily. It is shown once:

  ${key}

Try:
  curl -i ${base}/                                                # public
  curl -i ${base}/api/me -H 'X-API-Key: ${key}'                   # authenticated, with RateLimit headers
  curl -i ${base}/api/reports -H 'Authorization: Bearer ${key}'   # needs reports:read
  curl -i ${base}/api/admin -H 'X-API-Key: ${key}'                # needs admin:write -> 403
  curl -i '${base}/api/search?deep=1' -H 'X-API-Key: ${key}'      # costs 10 credits (1 without deep)
  curl -i ${base}/api/me                                          # no key -> 401
  curl -i ${base}/api/keys/self -H 'X-API-Key: ${key}'            # the calling key and its credits
  curl -i ${base}/api/keys -H 'X-API-Key: ${key}' -H 'Content-Type: application/json' \\
       -d '{"name":"second key","scopes":["reports:read"]}'       # mint another key (needs keys:manage)
`);
}
