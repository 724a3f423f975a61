// Fastify with an onRequest hook that does nothing: the cost of having an auth hook at all.
import Fastify from 'fastify';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = Fastify({ logger: false });
app.addHook('onRequest', (_request, _reply, done) => done());
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
// The runner sends every server of a framework the same header; here it is ignored.
announce({ port: app.server.address().port, key: randomToken() });
