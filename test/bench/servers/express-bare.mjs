// Express with no authentication: the baseline of the Express pairs.
import express from 'express';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const app = express();
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key: randomToken() }));
