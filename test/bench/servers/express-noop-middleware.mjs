// Express with a middleware that does nothing: the cost of having an auth middleware at all.
import express from 'express';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = express();
app.use((_req, _res, next) => next());
app.get('/hello', (_req, res) => res.json(HELLO));
// The runner sends every server of a framework the same header; here it is ignored.
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key: randomToken() }));
