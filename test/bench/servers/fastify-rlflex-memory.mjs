// Fastify + @fastify/bearer-auth + rate-limiter-flexible (peer) RateLimiterMemory in an onRequest
// hook after the auth hook, keyed by the Authorization header, limit from rate-limit-common.mjs.
import Fastify from 'fastify';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { announce, HELLO, HOST } from './common.mjs';
import { registerBearerAuth } from './peer-auth.mjs';
import { LIMIT, WINDOW_SECONDS } from './rate-limit-common.mjs';
import { rateLimiterFlexibleHook } from './rlflex-hooks.mjs';

const limiter = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_SECONDS });

const app = Fastify({ logger: false });
const key = await registerBearerAuth(app);
app.addHook('onRequest', rateLimiterFlexibleHook(limiter));
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
