// Express + @keygate/express with rate limiting on core's default in-memory limiter
// (MemoryRateLimiter): one policy per key (rate-limit-common.mjs).
import { apiKeyAuth } from '@keygate/express';
import express from 'express';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();

const app = express();
app.use(apiKeyAuth({ keygate, rateLimit: { defaults: POLICIES } }));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
