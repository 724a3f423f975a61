// Fastify + @fastify/bearer-auth (the peer): an in-memory set of one key, compared in constant time.
import bearerAuth from '@fastify/bearer-auth';
import Fastify from 'fastify';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const key = randomToken();
const app = Fastify({ logger: false });
await app.register(bearerAuth, { keys: new Set([key]) });
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
