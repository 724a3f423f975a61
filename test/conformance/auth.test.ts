// Authentication outcomes, identical on every adapter: missing, valid, invalid, malformed,
// revoked, expired, optional routes, store failures, and no echo of the presented key.
import { type CreatedKey, createKeygate, KeygateError, MemoryStore } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, type KeyView, ROUTES, type RunningApp } from './apps.js';
import {
  CHALLENGE,
  createFixture,
  expectProblem,
  type Fixture,
  failingStore,
  flipOneChar,
  foreignKey,
  PROBLEM_JSON,
  type ResponseLike,
  wrongSecretKey,
} from './helpers.js';

describe.each(adapters)('$name: authentication', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;
  let valid: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    app = await adapter.start({ keygate: fx.keygate });
    valid = await fx.issue(['users:read'], { name: 'reader', owner: 'user_42', metadata: { team: 'blue' } });
  });
  afterAll(() => app.close());

  it('serves the public route without a key', async () => {
    const res = await request(app.server).get(ROUTES.public.path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key: null });
  });

  it('answers a request without a key with 401 missing and a bare Bearer challenge', async () => {
    const res = await request(app.server).get(ROUTES.me.path);
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('sends problem responses with Cache-Control: no-store', async () => {
    const res = await request(app.server).get(ROUTES.me.path);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts a valid key in X-API-Key and gives the handler its id, owner and scopes', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body.key).toMatchObject({
      id: valid.apiKey.id,
      owner: 'user_42',
      name: 'reader',
      scopes: ['users:read'],
    });
  });

  it('never gives the handler the stored hash, at any depth of the key object', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', valid.key);
    const key = res.body.key as KeyView;
    expect(key.fields).toEqual(expect.arrayContaining(['id', 'owner', 'scopes', 'metadata.team', 'createdAt']));
    expect(key.fields.filter((path) => /(^|\.)hash$/i.test(path))).toEqual([]);
    expect(res.text).not.toMatch(/hash/i);
    const stored = await fx.store.findById(valid.apiKey.id);
    expect(res.text).not.toContain(stored?.hash);
  });

  it('accepts a valid key in Authorization: Bearer', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('Authorization', `Bearer ${valid.key}`);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });

  it('accepts the Bearer scheme in any letter case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await request(app.server).get(ROUTES.me.path).set('authorization', `${scheme} ${valid.key}`);
      expect(res.status, scheme).toBe(200);
    }
  });

  it('refuses a well-formed key whose id is unknown with 401 invalid_token', async () => {
    const unknown = await foreignKey();
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', unknown.key);
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a known id with a wrong secret with 401 invalid_token', async () => {
    const wrong = await wrongSecretKey(fx, valid);
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', wrong);
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('answers an unknown id and a wrong secret identically', async () => {
    const unknown = await foreignKey();
    const wrong = await wrongSecretKey(fx, valid);
    const a = await request(app.server).get(ROUTES.me.path).set('X-API-Key', unknown.key);
    const b = await request(app.server).get(ROUTES.me.path).set('X-API-Key', wrong);
    expect(b.status).toBe(a.status);
    expect(b.text).toBe(a.text);
    expect(b.headers['www-authenticate']).toBe(a.headers['www-authenticate']);
    expect(b.headers['content-type']).toBe(a.headers['content-type']);
  });

  it('refuses a key with one character changed (bad checksum) with 401 invalid', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', flipOneChar(valid.key));
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a truncated key with 400 malformed', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', valid.key.slice(0, -1));
    expectProblem(res, { status: 400, code: 'malformed', challenge: CHALLENGE.invalidRequest });
  });

  it('refuses a key with another prefix with 401 invalid', async () => {
    const other = await foreignKey('sk_live');
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', other.key);
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a revoked key with 401 revoked', async () => {
    const created = await fx.issue();
    await fx.keygate.keys.revoke(created.apiKey.id);
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expectProblem(res, { status: 401, code: 'revoked', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a key at once after it is revoked, even though it was just accepted', async () => {
    const created = await fx.issue();
    expect((await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key)).status).toBe(200);
    await fx.keygate.keys.revoke(created.apiKey.id);
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expectProblem(res, { status: 401, code: 'revoked', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a key past its expiry with 401 expired', async () => {
    const created = await fx.issue([], { expiresIn: 60_000 });
    fx.clock.advance(61_000);
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expectProblem(res, { status: 401, code: 'expired', challenge: CHALLENGE.invalidToken });
  });

  it('refuses a key that expires after it was accepted (and cached)', async () => {
    const created = await fx.issue([], { expiresIn: 60_000 });
    expect((await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key)).status).toBe(200);
    fx.clock.advance(61_000);
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expectProblem(res, { status: 401, code: 'expired', challenge: CHALLENGE.invalidToken });
  });

  it('leaves other Authorization schemes alone: Basic without a key is 401 missing', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('Authorization', 'Basic dXNlcjpwYXNz');
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('accepts X-API-Key alongside an unrelated Basic Authorization header', async () => {
    const res = await request(app.server)
      .get(ROUTES.me.path)
      .set('Authorization', 'Basic dXNlcjpwYXNz')
      .set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });

  it('lets a request without a key through an optional route with no key attached', async () => {
    const res = await request(app.server).get(ROUTES.optional.path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key: null });
  });

  it('attaches the key on an optional route when a valid one is sent', async () => {
    const res = await request(app.server).get(ROUTES.optional.path).set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });

  it('still refuses a bad key on an optional route with 401', async () => {
    const res = await request(app.server).get(ROUTES.optional.path).set('X-API-Key', flipOneChar(valid.key));
    expectProblem(res, { status: 401, code: 'invalid', challenge: CHALLENGE.invalidToken });
  });

  it('still refuses a malformed key on an optional route with 400', async () => {
    const res = await request(app.server).get(ROUTES.optional.path).set('X-API-Key', 'not-a-key');
    expectProblem(res, { status: 400, code: 'malformed', challenge: CHALLENGE.invalidRequest });
  });

  it('uses the configured realm in its challenges', async () => {
    const realmed = await adapter.start({ keygate: fx.keygate, realm: 'billing' });
    try {
      const res = await request(realmed.server).get(ROUTES.me.path);
      expectProblem(res, { status: 401, code: 'missing', challenge: 'Bearer realm="billing"' });
    } finally {
      await realmed.close();
    }
  });
});

describe.each(adapters)('$name: key store failure', (adapter) => {
  // An outage as the built-in stores report it: store_unavailable, the driver's error as cause.
  const storeError = new KeygateError('store_unavailable', 'keygate: the PostgreSQL key store is unavailable.', {
    cause: new Error('connect ECONNREFUSED 10.0.0.7:5432 (user=keygate password=hunter2)'),
  });
  const reported: unknown[] = [];
  let app: RunningApp;
  let created: CreatedKey;

  beforeAll(async () => {
    const fx = createFixture({ store: failingStore(storeError) });
    app = await adapter.start({ keygate: fx.keygate, onError: (error) => reported.push(error) });
    created = await fx.issue();
  });
  afterAll(() => app.close());

  it('answers 503 problem+json with Retry-After when the store fails', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expectProblem(res, { status: 503, code: 'unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps the store error out of the response', async () => {
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expect(res.status).toBe(503);
    const everything = res.text + JSON.stringify(res.headers);
    for (const secret of ['ECONNREFUSED', '10.0.0.7', 'hunter2', 'password', 'stack', 'Error']) {
      expect(everything).not.toContain(secret);
    }
  });

  it('reports the store error to onError', async () => {
    reported.length = 0;
    await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expect(reported).toEqual([storeError]);
  });

  it('does not touch the store for requests it can refuse by themselves', async () => {
    reported.length = 0;
    const missing = await request(app.server).get(ROUTES.me.path);
    const malformed = await request(app.server).get(ROUTES.me.path).set('X-API-Key', 'nope');
    const checksum = await request(app.server).get(ROUTES.me.path).set('X-API-Key', flipOneChar(created.key));
    expect([missing.status, malformed.status, checksum.status]).toEqual([401, 400, 401]);
    expect(reported).toEqual([]);
  });
});

describe.each(adapters)('$name: default hasher', (adapter) => {
  let app: RunningApp;
  afterAll(() => app?.close());

  it('accepts a key hashed with the default scrypt hasher', async () => {
    const keygate = createKeygate({ store: new MemoryStore() });
    app = await adapter.start({ keygate });
    const created = await keygate.keys.create({ name: 'default', owner: 'user_1' });
    const res = await request(app.server).get(ROUTES.me.path).set('X-API-Key', created.key);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(created.apiKey.id);
  });
});

describe.each(adapters)('$name: no echo of the presented key', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;
  let down: RunningApp;
  let downKey: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    app = await adapter.start({ keygate: fx.keygate });
    const broken = createFixture({ store: failingStore(new KeygateError('store_unavailable', 'store down')) });
    down = await adapter.start({ keygate: broken.keygate, onError: () => {} });
    downKey = await broken.issue();
  });
  afterAll(async () => {
    await app.close();
    await down.close();
  });

  it('never returns the presented key, or its secret, in any failure response', async () => {
    const reader = await fx.issue(['users:read']);
    const other = await fx.issue(['users:read']);
    const revoked = await fx.issue();
    await fx.keygate.keys.revoke(revoked.apiKey.id);
    const expiring = await fx.issue([], { expiresIn: 1_000 });
    const unknown = (await foreignKey()).key;
    const wrong = await wrongSecretKey(fx, reader);
    const flipped = flipOneChar(reader.key);
    const truncated = reader.key.slice(0, -1);
    const presented = [
      reader.key,
      other.key,
      revoked.key,
      expiring.key,
      unknown,
      wrong,
      flipped,
      truncated,
      downKey.key,
    ];

    const get = (target: RunningApp, path: string) => request(target.server).get(path);
    const responses: Array<[string, ResponseLike]> = [];
    const collect = async (label: string, pending: PromiseLike<ResponseLike>) => {
      responses.push([label, await pending]);
    };
    await collect('revoked', get(app, ROUTES.me.path).set('X-API-Key', revoked.key));
    await collect('unknown id', get(app, ROUTES.me.path).set('X-API-Key', unknown));
    await collect('wrong secret', get(app, ROUTES.me.path).set('X-API-Key', wrong));
    await collect('bad checksum', get(app, ROUTES.me.path).set('Authorization', `Bearer ${flipped}`));
    await collect('truncated', get(app, ROUTES.me.path).set('X-API-Key', truncated));
    await collect('oversized', get(app, ROUTES.me.path).set('X-API-Key', reader.key.repeat(170)));
    await collect(
      'ambiguous',
      get(app, ROUTES.me.path).set('X-API-Key', reader.key).set('Authorization', `Bearer ${other.key}`),
    );
    await collect('insufficient scope', get(app, ROUTES.write.path).set('X-API-Key', reader.key));
    await collect('optional, bad key', get(app, ROUTES.optional.path).set('X-API-Key', flipped));
    await collect('store down', get(down, ROUTES.me.path).set('X-API-Key', downKey.key));
    fx.clock.advance(2_000);
    await collect('expired', get(app, ROUTES.me.path).set('X-API-Key', expiring.key));

    const secretPart = (key: string) => key.slice(-49, -6);
    for (const [label, res] of responses) {
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type'], label).toMatch(PROBLEM_JSON);
      const everything = `${res.text}\n${JSON.stringify(res.headers)}`;
      for (const key of presented) {
        expect(everything, label).not.toContain(key);
        expect(everything, label).not.toContain(secretPart(key));
      }
    }
    expect(responses.map(([, res]) => res.status)).toEqual([401, 401, 401, 401, 400, 400, 400, 403, 401, 503, 401]);
  });
});
