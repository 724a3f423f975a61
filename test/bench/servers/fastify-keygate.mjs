// Fastify + @keygate/fastify, authentication only: default options and a warm cache (see keygate-instance.mjs).
import { keygatePlugin } from '@keygate/fastify';
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';

const { keygate, key } = await createBenchKeygate();

const app = Fastify({ logger: false });
await app.register(keygatePlugin, { keygate });
app.get('/hello', async () => HELLO);
await app.listen({ host: HOST, port: 0 });
announce({ port: app.server.address().port, key });
