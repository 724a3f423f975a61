import type { Keygate } from '@keygate/core';
import { apiKeyAuth, requireScopes } from '@keygate/koa';
import Router from '@koa/router';
import Koa from 'koa';

/** A public route, an authenticated route and scope-guarded routes. */
export function buildApp(keygate: Keygate): Koa {
  const app = new Koa();
  const pub = new Router();
  pub.get('/', (ctx) => {
    ctx.body = { message: 'Public. Try /api/me with an API key.' };
  });

  const api = new Router({ prefix: '/api' });
  api.use(apiKeyAuth({ keygate }));
  api.get('/me', (ctx) => {
    ctx.body = { key: ctx.state.apiKey };
  });
  api.get('/reports', requireScopes('reports:read'), (ctx) => {
    ctx.body = { reports: [{ id: 1, title: 'Q3 usage' }] };
  });
  api.get('/admin', requireScopes('admin:write'), (ctx) => {
    ctx.body = { admin: true };
  });
  app.use(pub.routes()).use(api.routes());
  return app;
}
