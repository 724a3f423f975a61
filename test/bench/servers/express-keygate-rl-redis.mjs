// Express + @keygate/express with rate limiting on Redis: RedisRateLimiter
// on createRateLimitRedisClient(). onStoreError 'closed', so a Redis failure answers 503 and fails
// the run instead of silently skipping the limiter (the success path is the same as with 'open').
import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
import { apiKeyAuth } from '@keygate/express';
import express from 'express';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES, REDIS_TIMEOUT_MS, ready, redisPrefix, redisUrl } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();
const client = await ready(createRateLimitRedisClient(redisUrl(), { commandTimeout: REDIS_TIMEOUT_MS }));
const limiter = new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: REDIS_TIMEOUT_MS });

const app = express();
app.use(apiKeyAuth({ keygate, rateLimit: { limiter, defaults: POLICIES, onStoreError: 'closed' } }));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
