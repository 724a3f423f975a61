import type { Keygate, RateLimitOptions } from '@keygate/core';
import { keyManagementRoutes, protectedRoutes, requireCredits, requireScopes } from '@keygate/koa';
import Router from '@koa/router';
import Koa from 'koa';

/** A public route, an authenticated route, scope-guarded routes, a metered route and the key-management routes. */
export function buildApp(keygate: Keygate, rateLimit?: RateLimitOptions): Koa {
  const app = new Koa();
  const pub = new Router();
  pub.get('/', (ctx) => {
    ctx.body = { message: 'Public. Try /api/me with an API key.' };
  });

  // Every route of `api` needs a key. Not `api.use(apiKeyAuth(...))`: @koa/router matches a prefixed
  // router's middleware case-sensitively and its routes case-insensitively, so GET /API/me would skip it.
  const api = new Router({ prefix: '/api' });
  api.get('/me', (ctx) => {
    ctx.body = { key: ctx.state.apiKey };
  });
  api.get('/reports', requireScopes('reports:read'), (ctx) => {
    ctx.body = { reports: [{ id: 1, title: 'Q3 usage' }] };
  });
  api.get('/admin', requireScopes('admin:write'), (ctx) => {
    ctx.body = { admin: true };
  });
  // Costs 1 credit (10 with ?deep=1) from the owner's allowance; 429 once it is spent.
  api.get(
    '/search',
    requireCredits((ctx) => (ctx.query.deep === '1' ? 10 : 1), { keygate }),
    (ctx) => {
      ctx.body = { results: [] };
    },
  );
  // POST/GET /api/keys, GET /api/keys/self, PATCH/DELETE /api/keys/:id, POST /api/keys/:id/rotate, /api/keys/:id/credits
  api.all(['/keys', '/keys/{*rest}'], keyManagementRoutes({ keygate, prefix: '/api' }));
  app.use(pub.routes()).use(protectedRoutes(api, { keygate, rateLimit }));
  return app;
}
