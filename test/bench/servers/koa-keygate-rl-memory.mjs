// Koa + @keygate/koa with rate limiting on core's default in-memory limiter (MemoryRateLimiter):
// one policy per key (rate-limit-common.mjs).

import { apiKeyAuth } from '@keygate/koa';
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';
import { POLICIES } from './rate-limit-common.mjs';

const { keygate, key } = await createBenchKeygate();

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use(apiKeyAuth({ keygate, rateLimit: { defaults: POLICIES } }));
app.use(router.routes());
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
