import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
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

  it('explains that a cookie source needs cookie-parser when it is not mounted', async () => {
    const app = express();
    app.use(apiKeyAuth({ keygate, sources: [{ in: 'cookie', name: 'api_key' }] }));
    app.get('/', (_req, res) => {
      res.end();
    });
    const errors: string[] = [];
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(error.message);
      res.status(500).end();
    });
    await request(app).get('/').set('Cookie', 'api_key=x').expect(500);
    expect(errors[0]).toMatch(/cookie-parser/);
  });

  it('hands store failures to onError and answers 503 instead of calling the error handler', async () => {
    class DownStore extends MemoryStore {
      override findById(): never {
        throw new Error('db down');
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
});
