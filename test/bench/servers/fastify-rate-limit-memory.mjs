// Fastify + @fastify/bearer-auth + @fastify/rate-limit (peer) on its in-memory store, keyed by the
// Authorization header, limit from rate-limit-common.mjs; its default x-ratelimit-* headers.
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { registerBearerAuth } from './peer-auth.mjs';
import { LIMIT, WINDOW_SECONDS } from './rate-limit-common.mjs';

const app = Fastify({ logger: false });
const key = await registerBearerAuth(app);
await app.register(rateLimit, {
  max: LIMIT,
  timeWindow: WINDOW_SECONDS * 1000,
  keyGenerator: (request) => request.headers.authorization,
});
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
