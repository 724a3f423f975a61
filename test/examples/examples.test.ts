// The runnable examples serve what the README promises — a public route, an authenticated route,
// scope-guarded routes, rate limits and the key-management routes — on every store they offer.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { RateLimitOptions } from '@keygate/core';
import { createDemo, type Demo } from '@keygate/example-shared';
import { Redis } from 'ioredis';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp as buildExpress } from '../../examples/express/src/app.js';
import { buildApp as buildFastify } from '../../examples/fastify/src/app.js';
import { buildApp as buildKoa } from '../../examples/koa/src/app.js';
import { databaseUrl, freshSchemaName, POSTGRES_HINT } from '../support/postgres.js';

type Target = Parameters<typeof request>[0];
type Started = { target: Target; close(): Promise<void> };

const frameworks: Array<{ name: string; start(demo: Demo): Promise<Started> }> = [
  { name: 'express', start: async (d) => ({ target: buildExpress(d.keygate, d.rateLimit), close: async () => {} }) },
  { name: 'koa', start: async (d) => ({ target: buildKoa(d.keygate, d.rateLimit).callback(), close: async () => {} }) },
  {
    name: 'fastify',
    start: async (d) => {
      const app = buildFastify(d.keygate, d.rateLimit);
      await app.ready();
      return { target: app.server as Server, close: () => app.close() };
    },
  },
];

// Each store under a namespace of this run only, removed afterwards.
const stores: Array<{ name: string; open(): Promise<{ demo: Demo; cleanup(): Promise<void> }> }> = [
  { name: 'memory', open: async () => ({ demo: await createDemo(''), cleanup: async () => {} }) },
  {
    name: 'Redis',
    open: async () => {
      const url = inject('redisUrl');
      const redisPrefix = `keygate-test:${randomBytes(6).toString('hex')}:`;
      const demo = await createDemo(url, { redisPrefix });
      const cleanup = async () => {
        const admin = new Redis(url);
        const keys = await admin.keys(`${redisPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      };
      return { demo, cleanup };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const postgresSchema = freshSchemaName();
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect().catch((error: Error) => {
        throw new Error(`${POSTGRES_HINT} (${error.message})`);
      });
      await admin.query(`CREATE SCHEMA "${postgresSchema}"`);
      const demo = await createDemo(databaseUrl, { postgresSchema });
      const cleanup = async () => {
        await admin.query(`DROP SCHEMA "${postgresSchema}" CASCADE`);
        await admin.end();
      };
      return { demo, cleanup };
    },
  },
];

const cases = stores.flatMap((store) => frameworks.map((framework) => ({ ...framework, store })));

describe.each(cases)('the $name example on $store.name', ({ start, store }) => {
  let demo: Demo;
  let cleanup: () => Promise<void>;
  let app: Started;
  let key: string;

  beforeAll(async () => {
    ({ demo, cleanup } = await store.open());
    app = await start(demo);
    ({ key } = await demo.keygate.keys.create({
      name: 'demo',
      owner: 'demo-user',
      scopes: ['reports:read', 'keys:manage'],
    }));
  });
  afterAll(async () => {
    await app.close();
    await demo.close();
    await cleanup();
  });

  it('serves its public route without a key', async () => {
    await request(app.target).get('/').expect(200);
  });

  it('answers 401 on the authenticated route without a key', async () => {
    await request(app.target).get('/api/me').expect(401);
  });

  it('shows the calling key on the authenticated route, with its rate limits', async () => {
    const res = await request(app.target).get('/api/me').set('X-API-Key', key).expect(200);
    expect(res.body.key).toMatchObject({ owner: 'demo-user', scopes: ['reports:read', 'keys:manage'] });
    expect(res.headers['ratelimit-policy']).toBe('"burst";q=10;w=1, "daily";q=10000;w=86400');
    expect(JSON.stringify(res.body)).not.toContain(key.slice(-49));
  });

  it('serves the scope-guarded route to a key with the scope', async () => {
    await request(app.target).get('/api/reports').set('Authorization', `Bearer ${key}`).expect(200);
  });

  it("spends the owner's credits on the metered route, and answers 429 once they are spent", async () => {
    await demo.keygate.credits.set({ owner: 'demo-user' }, { remaining: 11 });
    const first = await request(app.target).get('/api/search?deep=1').set('X-API-Key', key).expect(200);
    expect(first.headers.ratelimit).toContain('"credits";r=1');
    await request(app.target).get('/api/search?deep=1').set('X-API-Key', key).expect(429);
    await request(app.target).get('/api/search').set('X-API-Key', key).expect(200);
    const self = await request(app.target).get('/api/keys/self').set('X-API-Key', key).expect(200);
    expect(self.body.credits.owner.remaining).toBe(0);
  });

  it('answers 403 on a route needing a scope the key lacks', async () => {
    await request(app.target).get('/api/admin').set('X-API-Key', key).expect(403);
  });

  it('mints a second key through the management routes, which then works', async () => {
    const created = await request(app.target)
      .post('/api/keys')
      .set('X-API-Key', key)
      .send({ name: 'second', scopes: ['reports:read'] })
      .expect(201);
    await request(app.target).get('/api/reports').set('X-API-Key', created.body.key).expect(200);
    const self = await request(app.target).get('/api/keys/self').set('X-API-Key', created.body.key).expect(200);
    expect(self.body.apiKey).toMatchObject({ name: 'second', owner: 'demo-user' });
  });
});

it('the examples rate-limit every key with the same documented defaults', async () => {
  const { rateLimit }: { rateLimit: RateLimitOptions } = await createDemo('');
  expect(rateLimit.defaults).toEqual([
    { name: 'burst', limit: 10, windowSeconds: 1 },
    { name: 'daily', limit: 10_000, windowSeconds: 86_400 },
  ]);
});
