// Cookie sources in Fastify need @fastify/cookie: without it the registration fails, not each request.
import fastifyCookie from '@fastify/cookie';
import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { keygatePlugin } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });
const sources = [{ in: 'cookie', name: 'api_key' }] as const;

describe('@keygate/fastify cookie sources', () => {
  it('fails the registration with invalid_options when @fastify/cookie is not registered', async () => {
    const app = Fastify();
    app.register(keygatePlugin, { keygate, sources });
    await expect(app.ready()).rejects.toThrowError(
      expect.objectContaining({
        code: 'invalid_options',
        message: expect.stringContaining('register @fastify/cookie'),
      }),
    );
  });

  it('fails the registration when @fastify/cookie is registered after keygate', async () => {
    const app = Fastify();
    app.register(keygatePlugin, { keygate, sources });
    app.register(fastifyCookie);
    await expect(app.ready()).rejects.toThrowError(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('registers without @fastify/cookie when no source is a cookie', async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate, sources: [{ in: 'bearer' }] });
    await app.close();
  });

  it('reads a cookie source when @fastify/cookie is registered first', async () => {
    const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const app = Fastify();
    await app.register(fastifyCookie);
    await app.register(keygatePlugin, { keygate, sources });
    app.get('/', async (request) => ({ id: request.apiKey?.id ?? null }));
    const res = await app.inject({ url: '/', headers: { cookie: `api_key=${key}` } });
    expect(res.json()).toEqual({ id: apiKey.id });
    await app.close();
  });

  it('reads a cookie source when @fastify/cookie parses cookies in a later hook', async () => {
    const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const app = Fastify();
    await app.register(fastifyCookie, { hook: 'preHandler' });
    await app.register(keygatePlugin, { keygate, sources });
    app.get('/', async (request) => ({ id: request.apiKey?.id ?? null }));
    const res = await app.inject({ url: '/', headers: { cookie: `api_key=${key}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: apiKey.id });
    await app.close();
  });
});
