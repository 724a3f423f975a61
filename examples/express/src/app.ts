import type { Keygate, RateLimitOptions } from '@keygate/core';
import { apiKeyAuth, keyManagementRouter, requireCredits, requireScopes } from '@keygate/express';
import express, { type Express } from 'express';

/** A public route, an authenticated route, scope-guarded routes, a metered route and the key-management routes. */
export function buildApp(keygate: Keygate, rateLimit?: RateLimitOptions): Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ message: 'Public. Try /api/me with an API key.' });
  });

  const api = express.Router();
  api.use(apiKeyAuth({ keygate, rateLimit }));
  api.get('/me', (req, res) => {
    res.json({ key: req.apiKey });
  });
  api.get('/reports', requireScopes('reports:read'), (_req, res) => {
    res.json({ reports: [{ id: 1, title: 'Q3 usage' }] });
  });
  api.get('/admin', requireScopes('admin:write'), (_req, res) => {
    res.json({ admin: true });
  });
  // Costs 1 credit (10 with ?deep=1) from the owner's allowance; 429 once it is spent.
  api.get(
    '/search',
    requireCredits((req) => (req.query.deep === '1' ? 10 : 1), { keygate }),
    (_req, res) => {
      res.json({ results: [] });
    },
  );
  // POST/GET /api/keys, GET /api/keys/self, PATCH/DELETE /api/keys/:id, POST /api/keys/:id/rotate, /api/keys/:id/credits
  api.use(keyManagementRouter({ keygate }));
  app.use('/api', api);
  return app;
}
