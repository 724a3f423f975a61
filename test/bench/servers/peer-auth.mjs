// The peers' authentication, shared by the peer servers (auth only and with a rate limiter):
// @fastify/bearer-auth on Fastify and passport-headerapikey on Express.
import bearerAuth from '@fastify/bearer-auth';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { randomToken } from './common.mjs';

/** Registers @fastify/bearer-auth with one key; its onRequest hook runs before the limiter's. */
export async function registerBearerAuth(app) {
  const key = randomToken();
  await app.register(bearerAuth, { keys: new Set([key]) });
  return key;
}

/** passport + HeaderAPIKeyStrategy over a Map of one key: the middleware and the key. No passport.initialize(): optional since passport 0.6 without sessions, and the leanest setup. */
export function passportApiKey() {
  const key = randomToken();
  const keys = new Map([[key, { id: 'bench', owner: 'bench' }]]);
  passport.use(
    new HeaderAPIKeyStrategy({ header: 'X-API-Key', prefix: '' }, false, (apiKey, done) =>
      done(null, keys.get(apiKey) ?? false),
    ),
  );
  return { key, middleware: passport.authenticate('headerapikey', { session: false }) };
}
