// The runnable examples serve what the README promises: a public route, an authenticated route
// and scope-guarded routes, on the in-memory defaults.
import type { Server } from 'node:http';
import { createKeygate, hmacSha256Hasher, type Keygate, MemoryStore } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildExpress } from '../../examples/express/src/app.js';
import { buildApp as buildFastify } from '../../examples/fastify/src/app.js';
import { buildApp as buildKoa } from '../../examples/koa/src/app.js';

type Target = Parameters<typeof request>[0];

const examples: Array<{ name: string; start(keygate: Keygate): Promise<{ target: Target; close(): Promise<void> }> }> =
  [
    { name: 'express', start: async (keygate) => ({ target: buildExpress(keygate), close: async () => {} }) },
    { name: 'koa', start: async (keygate) => ({ target: buildKoa(keygate).callback(), close: async () => {} }) },
    {
      name: 'fastify',
      start: async (keygate) => {
        const app = buildFastify(keygate);
        await app.ready();
        return { target: app.server as Server, close: () => app.close() };
      },
    },
  ];

describe.each(examples)('the $name example', ({ start }) => {
  const keygate = createKeygate({ store: new MemoryStore(), prefix: 'demo', hasher: hmacSha256Hasher() });
  let app: Awaited<ReturnType<typeof start>>;
  let key: string;

  beforeAll(async () => {
    app = await start(keygate);
    ({ key } = await keygate.keys.create({ name: 'demo', owner: 'demo-user', scopes: ['reports:read'] }));
  });
  afterAll(() => app.close());

  it('serves its public route without a key', async () => {
    await request(app.target).get('/').expect(200);
  });

  it('answers 401 on the authenticated route without a key', async () => {
    await request(app.target).get('/api/me').expect(401);
  });

  it('shows the calling key on the authenticated route', async () => {
    const res = await request(app.target).get('/api/me').set('X-API-Key', key).expect(200);
    expect(res.body.key).toMatchObject({ owner: 'demo-user', scopes: ['reports:read'] });
    expect(JSON.stringify(res.body)).not.toContain(key.slice(-49));
  });

  it('serves the scope-guarded route to a key with the scope', async () => {
    await request(app.target).get('/api/reports').set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('answers 403 on a route needing a scope the key lacks', async () => {
    await request(app.target).get('/api/admin').set('X-API-Key', key).expect(403);
  });
});
