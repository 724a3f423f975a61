// Fastify + @fastify/bearer-auth + @fastify/rate-limit (peer) on Redis (its `redis` option: an
// ioredis client with the options its README suggests), keyed by the Authorization header. Store
// errors are not skipped (skipOnError false, the default): a Redis failure fails the run.
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { announce, HELLO, HOST } from './common.mjs';
import { registerBearerAuth } from './peer-auth.mjs';
import { LIMIT, ready, redisPrefix, redisUrl, WINDOW_SECONDS } from './rate-limit-common.mjs';

const redis = await ready(new Redis(redisUrl(), { connectTimeout: 500, maxRetriesPerRequest: 1 }));

const app = Fastify({ logger: false });
const key = await registerBearerAuth(app);
await app.register(rateLimit, {
  max: LIMIT,
  timeWindow: WINDOW_SECONDS * 1000,
  keyGenerator: (request) => request.headers.authorization,
  redis,
  nameSpace: redisPrefix(),
});
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
