import type { Keygate, RateLimitOptions } from '@keygate/core';
import { keygatePlugin, keyManagementPlugin, requireScopes } from '@keygate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/** A public route, an authenticated route, scope-guarded routes and the key-management routes. */
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
      // POST/GET /api/keys, GET /api/keys/self, PATCH/DELETE /api/keys/:id, POST /api/keys/:id/rotate
      await api.register(keyManagementPlugin, { keygate });
    },
    { prefix: '/api' },
  );
  return app;
}
