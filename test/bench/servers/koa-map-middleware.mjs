// Koa with a hand-written middleware that looks the X-API-Key header up in a Map of one key: Koa has
// no peer library, so this is its reference, and the floor for "auth".
import Router from '@koa/router';
import Koa from 'koa';
import { announce, HELLO, HOST, mapOfOneKey } from './common.mjs';

const { key, lookup } = mapOfOneKey();

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = HELLO;
});
app.use((ctx, next) => {
  const found = lookup(ctx.get('x-api-key') || undefined);
  if (found === undefined) {
    ctx.status = 401;
    ctx.body = { error: 'Unauthorized' };
    return;
  }
  ctx.state.apiKey = found;
  return next();
});
app.use(router.routes());
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
