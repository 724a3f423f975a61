// Fastify with a hand-written onRequest hook that looks the Bearer token up in a Map of one key:
// the floor for "auth" (what any authentication step costs at least).
import Fastify from 'fastify';
import { announce, HELLO, HOST, mapOfOneKey } from './common.mjs';

const { key, lookup } = mapOfOneKey();

const app = Fastify({ logger: false });
app.decorateRequest('apiKey', null);
app.addHook('onRequest', (request, reply, done) => {
  const header = request.headers.authorization;
  const found = header?.startsWith('Bearer ') ? lookup(header.slice(7)) : undefined;
  if (found === undefined) return reply.code(401).send({ error: 'Unauthorized' });
  request.apiKey = found;
  done();
});
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
