// Fastify + @fastify/bearer-auth (the peer): a set of one key, compared in constant time (peer-auth.mjs).
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { registerBearerAuth } from './peer-auth.mjs';

const app = Fastify({ logger: false });
const key = await registerBearerAuth(app);
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
