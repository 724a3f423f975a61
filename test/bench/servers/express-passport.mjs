// Express + passport + passport-headerapikey (the peer): a Map lookup in the verify callback (peer-auth.mjs).
import express from 'express';
import { announce, HELLO, HOST } from './common.mjs';
import { passportApiKey } from './peer-auth.mjs';

const { key, middleware } = passportApiKey();

const app = express();
app.use(middleware);
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
