// Fastify + @keygate/fastify with rate limiting on Redis: RedisRateLimiter
// on createRateLimitRedisClient(). onStoreError 'closed', so a Redis failure answers 503 and fails
// the run instead of silently skipping the limiter (the success path is the same as with 'open').
import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
import { keygatePlugin } from '@keygate/fastify';
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES, REDIS_TIMEOUT_MS, ready, redisPrefix, redisUrl } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();
const client = await ready(createRateLimitRedisClient(redisUrl(), { commandTimeout: REDIS_TIMEOUT_MS }));
const limiter = new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: REDIS_TIMEOUT_MS });

const app = Fastify({ logger: false });
await app.register(keygatePlugin, { keygate, rateLimit: { limiter, defaults: POLICIES, onStoreError: 'closed' } });
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
