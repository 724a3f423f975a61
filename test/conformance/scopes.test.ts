// Scope guards, identical on every adapter: exact grants, wildcards, `all` and `any`, 403 naming
// the required scopes (RFC 6750 insufficient_scope), and 401 when no key reached the guard.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture, flipOneChar } from './helpers.js';

const forbidden = (scope: string, realm = 'api') => ({
  status: 403,
  code: 'insufficient_scope',
  challenge: `Bearer realm="${realm}", error="insufficient_scope", scope="${scope}"`,
});

describe.each(adapters)('$name: scope guards', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;

  beforeAll(async () => {
    fx = createFixture();
    app = await adapter.start({ keygate: fx.keygate });
  });
  afterAll(() => app.close());

  const get = async (path: string, scopes: readonly string[]) => {
    const { key } = await fx.issue(scopes);
    return request(app.server).get(path).set('X-API-Key', key);
  };

  it('lets a key with users:read into a users:read route', async () => {
    const res = await get(ROUTES.read.path, ['users:read']);
    expect(res.status).toBe(200);
    expect(res.body.key.scopes).toEqual(['users:read']);
  });

  it('answers 403 insufficient_scope naming users:write to a key lacking it', async () => {
    const res = await get(ROUTES.write.path, ['users:read']);
    const body = expectProblem(res, forbidden('users:write'));
    expect(body).toMatchObject({ requiredScopes: ['users:write'], match: 'all' });
  });

  it('answers 403 to a key with no scopes at all', async () => {
    expectProblem(await get(ROUTES.read.path, []), forbidden('users:read'));
  });

  it('lets the wildcard users:* grant users:write', async () => {
    expect((await get(ROUTES.write.path, ['users:*'])).status).toBe(200);
  });

  it('does not let a wildcard of another resource grant users:write', async () => {
    expectProblem(await get(ROUTES.write.path, ['billing:*']), forbidden('users:write'));
  });

  it("lets a key with every scope of an 'all' route in", async () => {
    expect((await get(ROUTES.all.path, ['users:read', 'users:write'])).status).toBe(200);
  });

  it("answers 403 naming every required scope to a key with only some of an 'all' route's scopes", async () => {
    expectProblem(await get(ROUTES.all.path, ['users:read']), forbidden('users:read users:write'));
  });

  it("lets a key with one of an 'any' route's scopes in", async () => {
    expect((await get(ROUTES.any.path, ['billing:read'])).status).toBe(200);
  });

  it("answers 403 naming the alternatives to a key with none of an 'any' route's scopes", async () => {
    const body = expectProblem(await get(ROUTES.any.path, ['users:read']), forbidden('users:write billing:read'));
    expect(body).toMatchObject({ requiredScopes: ['users:write', 'billing:read'], match: 'any' });
  });

  it('answers 401 missing when a guarded optional route gets no key', async () => {
    const res = await request(app.server).get(ROUTES.optionalScoped.path);
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('lets a key with the scope through a guarded optional route', async () => {
    expect((await get(ROUTES.optionalScoped.path, ['users:read'])).status).toBe(200);
  });

  it('authenticates before it checks scopes: a bad key on a guarded route is 401, not 403', async () => {
    const { key } = await fx.issue(['users:read']);
    const res = await request(app.server).get(ROUTES.write.path).set('X-API-Key', flipOneChar(key));
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('uses the configured realm in the 403 challenge', async () => {
    const realmed = await adapter.start({ keygate: fx.keygate, realm: 'billing' });
    try {
      const { key } = await fx.issue(['users:read']);
      const res = await request(realmed.server).get(ROUTES.write.path).set('X-API-Key', key);
      expectProblem(res, forbidden('users:write', 'billing'));
    } finally {
      await realmed.close();
    }
  });
});
