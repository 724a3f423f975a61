import type { Keygate, RateLimitOptions } from '@keygate/core';
import { keygatePlugin, keyManagementPlugin, requireCredits, requireScopes } from '@keygate/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

/** A public route, an authenticated route, scope-guarded routes, a metered route and the key-management routes. */
export function buildApp(keygate: Keygate, rateLimit?: RateLimitOptions): FastifyInstance {
  const app = Fastify();
  app.get('/', async () => ({ message: 'Public. Try /api/me with an API key.' }));

  // Registered inside a child context: only the routes of this context need a key.
  app.register(
    async (api) => {
      await api.register(keygatePlugin, { keygate, rateLimit });
      api.get('/me', async (request) => ({ key: request.apiKey }));
      api.get('/reports', { onRequest: requireScopes('reports:read') }, async () => ({
        reports: [{ id: 1, title: 'Q3 usage' }],
      }));
      api.get('/admin', { onRequest: requireScopes('admin:write') }, async () => ({ admin: true }));
      // Costs 1 credit (10 with ?deep=1) from the owner's allowance; 429 once it is spent.
      const cost = (request: FastifyRequest) => ((request.query as { deep?: string }).deep === '1' ? 10 : 1);
      api.get('/search', { preHandler: requireCredits(cost, { keygate }) }, async () => ({ results: [] }));
      // POST/GET /api/keys, GET /api/keys/self, PATCH/DELETE /api/keys/:id, POST /api/keys/:id/rotate, /api/keys/:id/credits
      await api.register(keyManagementPlugin, { keygate });
    },
    { prefix: '/api' },
  );
  return app;
}
