import { createKeygate, hmacSha256Hasher, KeygateError, MemoryStore } from '@keygate/core';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiKeyAuth, requireScopes } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/express', () => {
  it('refuses to build the middleware without a keygate instance', () => {
    expect(() => apiKeyAuth({} as never)).toThrow(/`keygate` is required/);
  });

  it('refuses an unknown source kind when the middleware is built, not on a request', () => {
    expect(() => apiKeyAuth({ keygate, sources: [{ in: 'body', name: 'key' } as never] })).toThrow(/each source/);
  });

  it('refuses a scope guard with an invalid scope at startup', () => {
    expect(() => requireScopes('Users Read')).toThrow(/Invalid required scope/);
  });

  it('hands store failures to onError and answers 503 instead of calling the error handler', async () => {
    class DownStore extends MemoryStore {
      override findById(): never {
        throw new KeygateError('store_unavailable', 'db down');
      }
    }
    const failing = createKeygate({ store: new DownStore(), hasher: hmacSha256Hasher() });
    const { key } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const seen: unknown[] = [];
    const app = express().use(apiKeyAuth({ keygate: failing, onError: (e) => seen.push(e) }));
    app.get('/', (_req, res) => {
      res.end();
    });
    const res = await request(app).get('/').set('X-API-Key', key);
    expect(res.status).toBe(503);
    expect(seen).toHaveLength(1);
  });

  describe('req.apiKey', () => {
    it('is attached without adding a property to the request object (an accessor on Express’s request prototype)', async () => {
      const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
      const app = express().use(apiKeyAuth({ keygate }));
      app.get('/', (req, res) => {
        res.json({ own: Object.hasOwn(req, 'apiKey'), id: req.apiKey?.id ?? null });
      });
      const res = await request(app).get('/').set('X-API-Key', key).expect(200);
      expect(res.body).toEqual({ own: false, id: apiKey.id });
    });

    it('is seen by a mounted sub-app, whose requests have another prototype', async () => {
      const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o', scopes: ['users:read'] });
      const sub = express();
      sub.get('/me', requireScopes('users:read'), (req, res) => {
        res.json({ id: req.apiKey?.id ?? null });
      });
      const app = express().use(apiKeyAuth({ keygate })).use('/sub', sub);
      const res = await request(app).get('/sub/me').set('X-API-Key', key).expect(200);
      expect(res.body).toEqual({ id: apiKey.id });
    });

    it('is attached to the requests of two apps served in turn, each request getting its own key', async () => {
      const first = await keygate.keys.create({ name: 'a', owner: 'o' });
      const second = await keygate.keys.create({ name: 'b', owner: 'o' });
      const apps = [express(), express()].map((app) =>
        app.use(apiKeyAuth({ keygate })).get('/', (req, res) => {
          res.json({ own: Object.hasOwn(req, 'apiKey'), id: req.apiKey?.id ?? null });
        }),
      );
      for (const app of [...apps, ...apps]) {
        for (const { key, apiKey } of [first, second]) {
          const res = await request(app).get('/').set('X-API-Key', key).expect(200);
          expect(res.body).toEqual({ own: false, id: apiKey.id });
        }
      }
    });

    it('is attached by apiKeyAuth mounted inside a sub-app and seen after it returns to the parent app', async () => {
      const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
      const sub = express().use(apiKeyAuth({ keygate }));
      sub.get('/me', (req, res) => {
        res.json({ id: req.apiKey?.id ?? null });
      });
      const app = express().use('/sub', sub);
      app.get('/sub/after', (req, res) => {
        res.json({ id: req.apiKey?.id ?? null });
      });
      expect((await request(app).get('/sub/me').set('X-API-Key', key).expect(200)).body).toEqual({ id: apiKey.id });
      expect((await request(app).get('/sub/after').set('X-API-Key', key).expect(200)).body).toEqual({ id: apiKey.id });
    });

    it('stays undefined on a request whose optional key was not sent, after other requests were authenticated', async () => {
      const { key } = await keygate.keys.create({ name: 'k', owner: 'o' });
      const app = express().use(apiKeyAuth({ keygate, optional: true }));
      app.get('/', (req, res) => {
        res.json({ has: req.apiKey !== undefined });
      });
      expect((await request(app).get('/').set('X-API-Key', key)).body).toEqual({ has: true });
      expect((await request(app).get('/')).body).toEqual({ has: false });
    });

    it('can still be set and cleared by application code', async () => {
      const { apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
      const app = express().use(apiKeyAuth({ keygate, optional: true }));
      app.get('/', (req, res) => {
        req.apiKey = apiKey;
        const set = req.apiKey?.id;
        req.apiKey = undefined;
        res.json({ set, cleared: req.apiKey === undefined });
      });
      expect((await request(app).get('/')).body).toEqual({ set: apiKey.id, cleared: true });
    });
  });
});
