// Express + passport-headerapikey + express-rate-limit + rate-limit-redis (peer): its RedisStore
// through ioredis `call`, keyed by the X-API-Key header; headers as in express-rate-limit-memory.mjs.
// Store errors are not passed over (passOnStoreError false, the default): a Redis failure fails the run.
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import { announce, HELLO, HOST } from './common.mjs';
import { passportApiKey } from './peer-auth.mjs';
import { LIMIT, ready, redisPrefix, redisUrl, WINDOW_SECONDS } from './rate-limit-common.mjs';

const client = await ready(new Redis(redisUrl()));
const { key, middleware } = passportApiKey();

const app = express();
app.use(middleware);
app.use(
  rateLimit({
    windowMs: WINDOW_SECONDS * 1000,
    limit: LIMIT,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => req.headers['x-api-key'],
    store: new RedisStore({ sendCommand: (command, ...args) => client.call(command, ...args), prefix: redisPrefix() }),
  }),
);
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
