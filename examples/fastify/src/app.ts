import type { Keygate } from '@keygate/core';
import { keygatePlugin, requireScopes } from '@keygate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/** A public route, an authenticated route and scope-guarded routes. */
export function buildApp(keygate: Keygate): FastifyInstance {
  const app = Fastify();
  app.get('/', async () => ({ message: 'Public. Try /api/me with an API key.' }));

  // Registered inside a child context: only the routes of this context need a key.
  app.register(
    async (api) => {
      await api.register(keygatePlugin, { keygate });
      api.get('/me', async (request) => ({ key: request.apiKey }));
      api.get('/reports', { onRequest: requireScopes('reports:read') }, async () => ({
        reports: [{ id: 1, title: 'Q3 usage' }],
      }));
      api.get('/admin', { onRequest: requireScopes('admin:write') }, async () => ({ admin: true }));
    },
    { prefix: '/api' },
  );
  return app;
}
