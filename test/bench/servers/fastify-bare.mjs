// Fastify with no authentication: the baseline of the Fastify pairs.
import Fastify from 'fastify';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = Fastify({ logger: false });
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
// The runner sends every server of a framework the same header; here it is ignored.
announce({ port: app.server.address().port, key: randomToken() });
