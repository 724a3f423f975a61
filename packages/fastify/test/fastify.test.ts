import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { keygatePlugin, requireScopes } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/fastify', () => {
  it('fails registration without a keygate instance', async () => {
    const app = Fastify();
    app.register(keygatePlugin, {} as never);
    await expect(app.ready()).rejects.toThrow(/`keygate` is required/);
  });

  it('registers under its own name so dependents can declare it', async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate });
    expect(app.hasPlugin('@keygate/fastify')).toBe(true);
    await app.close();
  });

  it("lets a route demand a key with config apiKey 'required' when the plugin default is optional", async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate, optional: true });
    app.get('/open', async (request) => ({ key: request.apiKey }));
    app.get('/closed', { config: { apiKey: 'required' } }, async () => 'never');
    expect((await app.inject('/open')).json()).toEqual({ key: null });
    expect((await app.inject('/closed')).statusCode).toBe(401);
    await app.close();
  });

  it('runs a route-level onRequest scope guard after authentication', async () => {
    const { key } = await keygate.keys.create({ name: 'k', owner: 'o', scopes: ['reports:read'] });
    const app = Fastify();
    await app.register(keygatePlugin, { keygate });
    app.get('/r', { onRequest: requireScopes('reports:read') }, async () => 'ok');
    app.get('/w', { onRequest: requireScopes('reports:write') }, async () => 'ok');
    expect((await app.inject({ url: '/r', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/w', headers: { 'x-api-key': key } })).statusCode).toBe(403);
    await app.close();
  });

  it('leaves request.apiKey null on a route marked public', async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate });
    app.get('/health', { config: { apiKey: false } }, async (request) => ({ key: request.apiKey }));
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ key: null });
    await app.close();
  });

  it('can be registered again in a child context, where both contexts authenticate', async () => {
    const { key } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const app = Fastify();
    await app.register(keygatePlugin, { keygate, optional: true });
    app.get('/open', async (request) => ({ id: request.apiKey?.id ?? null }));
    await app.register(async (admin) => {
      await admin.register(keygatePlugin, { keygate, realm: 'admin' });
      admin.get('/admin', async (request) => ({ id: request.apiKey?.id }));
    });
    expect((await app.inject('/open')).json()).toEqual({ id: null });
    const denied = await app.inject('/admin');
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="admin"');
    expect((await app.inject({ url: '/admin', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    await app.close();
  });
});
