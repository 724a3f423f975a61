import type { Keygate } from '@keygate/core';
import { apiKeyAuth, requireScopes } from '@keygate/express';
import express, { type Express } from 'express';

/** A public route, an authenticated route and scope-guarded routes. */
export function buildApp(keygate: Keygate): Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ message: 'Public. Try /api/me with an API key.' });
  });

  const api = express.Router();
  api.use(apiKeyAuth({ keygate }));
  api.get('/me', (req, res) => {
    res.json({ key: req.apiKey });
  });
  api.get('/reports', requireScopes('reports:read'), (_req, res) => {
    res.json({ reports: [{ id: 1, title: 'Q3 usage' }] });
  });
  api.get('/admin', requireScopes('admin:write'), (_req, res) => {
    res.json({ admin: true });
  });
  app.use('/api', api);
  return app;
}
