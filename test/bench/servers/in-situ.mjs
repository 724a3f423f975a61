// A server that times one auth step from inside the request path: a timestamp is taken just
// before the step and again just after it (Express: middleware around it; Fastify: onRequest
// hooks around it), so the figure includes the framework's dispatch of one step plus whatever
// the step costs in a real server (cold caches, the framework's own request objects), which an
// in-process micro-benchmark does not see. IN_SITU_FRAMEWORK: express | fastify;
// IN_SITU_STEP: none (the two timestamps alone) | noop | keygate (the adapter, default options).
// Answers 'samples' over IPC with { n, p50, mean } in ns and forgets them.
import { apiKeyAuth } from '@keygate/express';
import { keygatePlugin } from '@keygate/fastify';
import express from 'express';
import Fastify from 'fastify';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';

const { IN_SITU_FRAMEWORK: framework, IN_SITU_STEP: step } = process.env;
if (!['express', 'fastify'].includes(framework) || !['none', 'noop', 'keygate'].includes(step)) {
  throw new Error('IN_SITU_FRAMEWORK must be express or fastify, IN_SITU_STEP none, noop or keygate');
}
const { keygate, key } = await createBenchKeygate();

const samples = [];
// A cache hit runs the step synchronously, so one request is between the two stamps at a time;
// a request that went asynchronous in between is not counted.
let pending = null;
let startedAt = 0n;
const before = (request) => {
  pending = request;
  startedAt = process.hrtime.bigint();
};
const after = (request) => {
  const elapsed = process.hrtime.bigint() - startedAt;
  if (pending === request) samples.push(Number(elapsed));
  pending = null;
};

if (framework === 'express') {
  const app = express();
  app.use((req, _res, next) => {
    before(req);
    next();
  });
  if (step === 'noop') app.use((_req, _res, next) => next());
  if (step === 'keygate') app.use(apiKeyAuth({ keygate }));
  app.use((req, _res, next) => {
    after(req);
    next();
  });
  app.get('/hello', (_req, res) => res.json(HELLO));
  const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
} else {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (request, _reply, done) => {
    before(request);
    done();
  });
  if (step === 'noop') app.addHook('onRequest', (_request, _reply, done) => done());
  if (step === 'keygate') await app.register(keygatePlugin, { keygate });
  app.addHook('onRequest', (request, _reply, done) => {
    after(request);
    done();
  });
  app.get('/hello', async () => HELLO);
  await app.listen({ host: HOST, port: 0 });
  announce({ port: app.server.address().port, key });
}

process.on('message', (message) => {
  if (message !== 'samples') return;
  const sorted = samples.sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  process.send?.({ samples: { n: sorted.length, p50: sorted[sorted.length >> 1], mean } });
  samples.length = 0;
});
