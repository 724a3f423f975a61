// Koa with no authentication: the baseline of the Koa setups (@koa/router serves /hello).
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use(router.routes());
// The runner sends every server of a framework the same header; here it is ignored.
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key: randomToken() }));
