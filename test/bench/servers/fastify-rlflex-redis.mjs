// Fastify + @fastify/bearer-auth + rate-limiter-flexible (peer) RateLimiterRedis on ioredis
// (`enableOfflineQueue: false`, as its docs suggest) in an onRequest hook after the auth hook,
// keyed by the Authorization header. A Redis error answers 500 and fails the run.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { announce, HELLO, HOST } from './common.mjs';
import { registerBearerAuth } from './peer-auth.mjs';
import { LIMIT, ready, redisPrefix, redisUrl, WINDOW_SECONDS } from './rate-limit-common.mjs';
import { rateLimiterFlexibleHook } from './rlflex-hooks.mjs';

const storeClient = await ready(new Redis(redisUrl(), { enableOfflineQueue: false }));
const limiter = new RateLimiterRedis({
  storeClient,
  keyPrefix: redisPrefix(),
  points: LIMIT,
  duration: WINDOW_SECONDS,
});

const app = Fastify({ logger: false });
const key = await registerBearerAuth(app);
app.addHook('onRequest', rateLimiterFlexibleHook(limiter));
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
