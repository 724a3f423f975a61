// Koa + @keygate/koa, authentication only: default options and a warm cache (see keygate-instance.mjs).

import { apiKeyAuth } from '@keygate/koa';
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';

const { keygate, key } = await createBenchKeygate();

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use(apiKeyAuth({ keygate }));
app.use(router.routes());
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
