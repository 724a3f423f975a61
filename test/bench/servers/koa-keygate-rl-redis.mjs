// Koa + @keygate/koa with rate limiting on Redis: RedisRateLimiter on createRateLimitRedisClient().
// onStoreError 'closed', so a Redis failure answers 503 and fails the run instead of silently
// skipping the limiter (the success path is the same as with 'open').

import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
import { apiKeyAuth } from '@keygate/koa';
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES, REDIS_TIMEOUT_MS, ready, redisPrefix, redisUrl } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();
const client = await ready(createRateLimitRedisClient(redisUrl(), { commandTimeout: REDIS_TIMEOUT_MS }));
const limiter = new RedisRateLimiter({ client, keyPrefix: redisPrefix(), timeoutMs: REDIS_TIMEOUT_MS });

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use(apiKeyAuth({ keygate, rateLimit: { limiter, defaults: POLICIES, onStoreError: 'closed' } }));
app.use(router.routes());
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
