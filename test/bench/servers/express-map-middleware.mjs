// Express with a hand-written middleware that looks the X-API-Key header up in a Map of one key:
// the floor for "auth" (what any authentication step costs at least). The key goes to res.locals:
// a new own property on Express's request objects costs V8 a slow shape change per request.
import express from 'express';
import { announce, HELLO, HOST, mapOfOneKey } from './common.mjs';

const { key, lookup } = mapOfOneKey();

const app = express();
app.use((req, res, next) => {
  const found = lookup(req.headers['x-api-key']);
  if (found === undefined) return res.status(401).json({ error: 'Unauthorized' });
  res.locals.apiKey = found;
  next();
});
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
