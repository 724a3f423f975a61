// Express + passport-headerapikey + express-rate-limit (peer) on its default MemoryStore, keyed by
// the X-API-Key header, limit from rate-limit-common.mjs; RateLimit-Policy/RateLimit headers (draft-8),
// as keygate sends, and no legacy X-RateLimit-* headers.
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { announce, HELLO, HOST } from './common.mjs';
import { passportApiKey } from './peer-auth.mjs';
import { LIMIT, WINDOW_SECONDS } from './rate-limit-common.mjs';

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
  }),
);
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
