// Express + passport-headerapikey + rate-limiter-flexible (peer) RateLimiterMemory in a middleware
// after passport, keyed by the X-API-Key header.
import express from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { announce, HELLO, HOST } from './common.mjs';
import { passportApiKey } from './peer-auth.mjs';
import { LIMIT, WINDOW_SECONDS } from './rate-limit-common.mjs';
import { rateLimiterFlexibleMiddleware } from './rlflex-hooks.mjs';

const limiter = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_SECONDS });
const { key, middleware } = passportApiKey();

const app = express();
app.use(middleware);
app.use(rateLimiterFlexibleMiddleware(limiter));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
