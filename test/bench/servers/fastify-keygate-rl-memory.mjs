// Fastify + @keygate/fastify with rate limiting on core's default in-memory limiter
// (MemoryRateLimiter): one policy per key (rate-limit-common.mjs).
import { keygatePlugin } from '@keygate/fastify';
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();

const app = Fastify({ logger: false });
await app.register(keygatePlugin, { keygate, rateLimit: { defaults: POLICIES } });
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
