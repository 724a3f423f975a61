// Express + passport-headerapikey + rate-limiter-flexible (peer) RateLimiterRedis on ioredis
// (`enableOfflineQueue: false`, as its docs suggest) in a middleware after passport, keyed by the
// X-API-Key header. A Redis error goes to next(err) (500) and fails the run.
import express from 'express';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { announce, HELLO, HOST } from './common.mjs';
import { passportApiKey } from './peer-auth.mjs';
import { LIMIT, ready, redisPrefix, redisUrl, WINDOW_SECONDS } from './rate-limit-common.mjs';
import { rateLimiterFlexibleMiddleware } from './rlflex-hooks.mjs';

const storeClient = await ready(new Redis(redisUrl(), { enableOfflineQueue: false }));
const limiter = new RateLimiterRedis({
  storeClient,
  keyPrefix: redisPrefix(),
  points: LIMIT,
  duration: WINDOW_SECONDS,
});
const { key, middleware } = passportApiKey();

const app = express();
app.use(middleware);
app.use(rateLimiterFlexibleMiddleware(limiter));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
