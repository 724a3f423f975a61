// Koa with a middleware that does nothing: the cost of having an auth middleware at all.
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use((_ctx, next) => next());
app.use(router.routes());
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key: randomToken() }));
