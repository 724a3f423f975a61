// Express + passport + passport-headerapikey (the peer): an in-memory Map lookup in the verify callback.
import express from 'express';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { announce, HELLO, HOST, randomToken } from './common.mjs';

const key = randomToken();
const keys = new Map([[key, { id: 'bench', owner: 'bench' }]]);
passport.use(
  new HeaderAPIKeyStrategy({ header: 'X-API-Key', prefix: '' }, false, (apiKey, done) =>
    done(null, keys.get(apiKey) ?? false),
  ),
);

const app = express();
// No passport.initialize(): optional since passport 0.6 without sessions, and the peer's leanest setup.
app.use(passport.authenticate('headerapikey', { session: false }));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
