import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { protectedRoutes } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

/** An app serving `router` through protectedRoutes, then a fallback that answers 200 'next'. */
function serve(router: Router): Koa {
  const app = new Koa();
  app.use(protectedRoutes(router, { keygate }));
  app.use((ctx) => {
    ctx.body = 'next';
  });
  return app;
}

function meRouter(options?: ConstructorParameters<typeof Router>[0]): Router {
  return new Router(options).get('/me', (ctx) => {
    ctx.body = { id: ctx.state.apiKey?.id };
  });
}

describe('protectedRoutes', () => {
  let key: string;
  beforeAll(async () => {
    ({ key } = await keygate.keys.create({ name: 'k', owner: 'o' }));
  });

  it('runs a route with the verified key in ctx.state.apiKey', async () => {
    const res = await request(serve(meRouter({ prefix: '/api' })).callback())
      .get('/api/me')
      .set('X-API-Key', key)
      .expect(200);
    expect(res.body.id).toBe(key.split('_')[1]);
  });

  it.each(['/api/me', '/API/me', '/Api/ME/'])(
    'answers 401 to a keyless %s that a prefixed router routes',
    async (path) => {
      await request(serve(meRouter({ prefix: '/api' })).callback())
        .get(path)
        .expect(401);
    },
  );

  it('answers 401 to a keyless request for a route of a router nested with router.use(path, nested.routes())', async () => {
    const api = new Router({ prefix: '/api' }).use('/v1', meRouter().routes());
    await request(serve(api).callback()).get('/api/V1/me').expect(401);
  });

  it('answers 401 to a keyless request for a RegExp route, which a prefixed router leaves unprefixed', async () => {
    const api = new Router({ prefix: '/api' }).get(/^\/secret/, (ctx) => {
      ctx.body = 'secret';
    });
    await request(serve(api).callback()).get('/secret').expect(401);
  });

  it('passes a path the router does not route on to the next middleware without authenticating', async () => {
    const res = await request(serve(meRouter({ prefix: '/api' })).callback())
      .get('/public')
      .expect(200);
    expect(res.text).toBe('next');
  });

  it('passes a method the router does not route on to the next middleware without authenticating', async () => {
    await request(serve(meRouter({ prefix: '/api' })).callback())
      .post('/api/me')
      .expect(200, 'next');
  });

  it('follows the router’s options: a case-sensitive router does not route /API/me, so it is not authenticated', async () => {
    await request(serve(meRouter({ prefix: '/api', sensitive: true })).callback())
      .get('/API/me')
      .expect(200, 'next');
  });

  it('does not authenticate a request for a host the router does not serve', async () => {
    const app = serve(meRouter({ prefix: '/api', host: 'api.example.com' }));
    await request(app.callback()).get('/api/me').set('Host', 'www.example.com').expect(200, 'next');
    await request(app.callback()).get('/api/me').set('Host', 'api.example.com').expect(401);
  });

  it('authenticates what the router routes when its routerPath option replaces the request path', async () => {
    await request(serve(meRouter({ routerPath: '/me' })).callback())
      .get('/anything')
      .expect(401);
  });
});
