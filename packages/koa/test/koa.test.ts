import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiKeyAuth, requireScopes } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/koa', () => {
  it('refuses to build the middleware without a keygate instance', () => {
    expect(() => apiKeyAuth({} as never)).toThrow(/`keygate` is required/);
  });

  it('refuses a realm that would break the WWW-Authenticate header', () => {
    expect(() => apiKeyAuth({ keygate, realm: 'a"b' })).toThrow(/realm/);
  });

  it('refuses a scope guard with no scopes at startup', () => {
    expect(() => requireScopes([])).toThrow(/at least one scope/);
  });

  it('reads a cookie source through Koa’s own ctx.cookies with no plugin', async () => {
    const { key } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const app = new Koa();
    app.use(apiKeyAuth({ keygate, sources: [{ in: 'cookie', name: 'api_key' }] }));
    app.use((ctx) => {
      ctx.body = { id: ctx.state.apiKey?.id };
    });
    const res = await request(app.callback()).get('/').set('Cookie', `api_key=${key}`).expect(200);
    expect(res.body.id).toBe(key.split('_')[1]);
  });

  it('lets downstream middleware see the key only after authentication succeeded', async () => {
    const app = new Koa();
    const seen: unknown[] = [];
    app.use(apiKeyAuth({ keygate }));
    app.use((ctx) => {
      seen.push(ctx.state.apiKey);
    });
    await request(app.callback()).get('/').expect(401);
    expect(seen).toEqual([]);
  });
});
