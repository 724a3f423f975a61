// Fastify only: plugin encapsulation, per-route `config.apiKey`, `request.apiKey` being null on
// public routes, and requireScopes as an onRequest route hook.
import type { AddressInfo } from 'node:net';
import type { CreatedKey } from '@keygate/core';
import { keygatePlugin, requireScopes } from '@keygate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHALLENGE, createFixture, expectProblem, type Fixture } from './helpers.js';

async function listen(app: FastifyInstance): Promise<FastifyInstance> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  expect((app.server.address() as AddressInfo).port).toBeGreaterThan(0);
  return app;
}

describe('fastify: plugin encapsulation and route config', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let optionalByDefault: FastifyInstance;
  let valid: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    valid = await fx.issue(['users:read']);

    app = Fastify();
    app.get('/root', async (request) => ({ apiKey: request.apiKey ?? null }));
    await app.register(async (protectedContext) => {
      await protectedContext.register(keygatePlugin, { keygate: fx.keygate });
      protectedContext.get('/protected/me', async (request) => ({ id: request.apiKey?.id ?? null }));
      protectedContext.get('/protected/public', { config: { apiKey: false } }, async (request) => ({
        apiKeyIsNull: request.apiKey === null,
      }));
      protectedContext.get('/protected/optional', { config: { apiKey: 'optional' } }, async (request) => ({
        apiKeyIsNull: request.apiKey === null,
      }));
      protectedContext.get('/protected/read', { onRequest: requireScopes('users:read') }, async () => ({ ok: true }));
      protectedContext.get('/protected/write', { onRequest: requireScopes('users:write') }, async () => ({ ok: true }));
    });
    await app.register(async (sibling) => {
      sibling.get('/sibling', async () => ({ ok: true }));
    });
    await listen(app);

    optionalByDefault = Fastify();
    await optionalByDefault.register(keygatePlugin, { keygate: fx.keygate, optional: true });
    optionalByDefault.get('/default', async (request) => ({ id: request.apiKey?.id ?? null }));
    optionalByDefault.get('/required', { config: { apiKey: 'required' } }, async (request) => ({
      id: request.apiKey?.id ?? null,
    }));
    await listen(optionalByDefault);
  });
  afterAll(async () => {
    await app?.close();
    await optionalByDefault?.close();
  });

  it('protects the routes of the context that registers the plugin', async () => {
    const res = await request(app.server).get('/protected/me');
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('attaches the key on the routes of that context', async () => {
    const res = await request(app.server).get('/protected/me').set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: valid.apiKey.id });
  });

  it('leaves root routes alone, even with a bad key', async () => {
    const res = await request(app.server).get('/root').set('X-API-Key', 'not-a-key');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiKey: null });
  });

  it('leaves sibling contexts alone', async () => {
    expect((await request(app.server).get('/sibling')).status).toBe(200);
  });

  it('makes a route public with config: { apiKey: false }', async () => {
    expect((await request(app.server).get('/protected/public')).status).toBe(200);
  });

  it('leaves request.apiKey null on a public route, even when a valid key is sent', async () => {
    const res = await request(app.server).get('/protected/public').set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiKeyIsNull: true });
  });

  it('does not judge a bad key on a public route', async () => {
    expect((await request(app.server).get('/protected/public').set('X-API-Key', 'not-a-key')).status).toBe(200);
  });

  it('leaves request.apiKey null on an optional route without a key', async () => {
    const res = await request(app.server).get('/protected/optional');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiKeyIsNull: true });
  });

  it('runs requireScopes as an onRequest route hook after authentication: scope present', async () => {
    expect((await request(app.server).get('/protected/read').set('X-API-Key', valid.key)).status).toBe(200);
  });

  it('runs requireScopes as an onRequest route hook after authentication: scope lacking', async () => {
    const res = await request(app.server).get('/protected/write').set('X-API-Key', valid.key);
    expectProblem(res, {
      status: 403,
      code: 'insufficient_scope',
      challenge: 'Bearer realm="api", error="insufficient_scope", scope="users:write"',
    });
  });

  it('runs requireScopes as an onRequest route hook after authentication: no key', async () => {
    const res = await request(app.server).get('/protected/read');
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('makes keys optional everywhere with the plugin option optional: true', async () => {
    const res = await request(optionalByDefault.server).get('/default');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: null });
  });

  it("requires a key on a route with config: { apiKey: 'required' } under optional: true", async () => {
    const res = await request(optionalByDefault.server).get('/required');
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });
});
