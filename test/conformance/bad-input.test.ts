// Hostile and confused input, identical on every adapter: empty, oversized and non-ASCII values,
// and requests carrying more than one key. Raw sockets send what HTTP clients refuse to.
import type { CreatedKey } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture, rawGet } from './helpers.js';

const MALFORMED = { status: 400, code: 'malformed', challenge: CHALLENGE.invalidRequest };
const AMBIGUOUS = { status: 400, code: 'ambiguous', challenge: CHALLENGE.invalidRequest };

describe.each(adapters)('$name: bad input', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;
  let first: CreatedKey;
  let second: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    app = await adapter.start({ keygate: fx.keygate });
    first = await fx.issue();
    second = await fx.issue();
  });
  afterAll(() => app.close());

  const me = () => request(app.server).get(ROUTES.me.path);

  it('refuses an empty X-API-Key header with 400 malformed', async () => {
    expectProblem(await me().set('X-API-Key', ''), MALFORMED);
  });

  it('refuses an empty X-API-Key header sent on the wire with 400 malformed', async () => {
    expectProblem(await rawGet(app.port, ROUTES.me.path, ['X-API-Key: ']), MALFORMED);
  });

  it('refuses Authorization: Bearer without a token with 400 malformed', async () => {
    expectProblem(await me().set('Authorization', 'Bearer'), MALFORMED);
  });

  it('refuses Authorization: Bearer followed only by spaces with 400 malformed', async () => {
    expectProblem(await rawGet(app.port, ROUTES.me.path, ['Authorization: Bearer    ']), MALFORMED);
  });

  it('refuses a 10 KB X-API-Key value with 400 malformed', async () => {
    expectProblem(await me().set('X-API-Key', 'k'.repeat(10 * 1024)), MALFORMED);
  });

  it('refuses a 10 KB Bearer token with 400 malformed', async () => {
    expectProblem(await me().set('Authorization', `Bearer ${'k'.repeat(10 * 1024)}`), MALFORMED);
  });

  it('refuses a value with raw latin1 bytes (é, \\xff) with 400 malformed', async () => {
    const res = await rawGet(app.port, ROUTES.me.path, [Buffer.from('X-API-Key: caf\xe9\xff', 'latin1')]);
    expectProblem(res, MALFORMED);
  });

  it('refuses a valid key with a UTF-8 é spliced in with 400 malformed', async () => {
    const key = Buffer.concat([
      Buffer.from(`X-API-Key: ${first.key.slice(0, 30)}`),
      Buffer.from('é', 'utf8'),
      Buffer.from(first.key.slice(31)),
    ]);
    expectProblem(await rawGet(app.port, ROUTES.me.path, [key]), MALFORMED);
  });

  it('refuses a non-ASCII value sent through the client (.set) with 400 malformed', async () => {
    expectProblem(await me().set('X-API-Key', `${first.key.slice(0, -1)}\u00e9`), MALFORMED);
  });

  it('answers a control byte in the header with a 400 and keeps serving', async () => {
    const res = await rawGet(app.port, ROUTES.me.path, [Buffer.from('X-API-Key: ab\x01cd', 'latin1')]);
    expect(res.status).toBe(400);
    expect((await request(app.server).get(ROUTES.public.path)).status).toBe(200);
  });

  it('never answers 5xx to any of these values', async () => {
    const values = [
      '',
      ' ',
      'k'.repeat(10 * 1024),
      '\xe9\xff',
      'kg_',
      `${first.key}\x7f`,
      first.key.replaceAll('_', '-'),
    ];
    for (const value of values) {
      const res = await rawGet(app.port, ROUTES.me.path, [Buffer.from(`X-API-Key: ${value}`, 'latin1')]);
      expect(res.status, JSON.stringify(value)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(value)).toBeLessThan(500);
    }
  });

  it('refuses different keys in X-API-Key and Authorization: Bearer with 400 ambiguous', async () => {
    const res = await me().set('X-API-Key', first.key).set('Authorization', `Bearer ${second.key}`);
    expectProblem(res, AMBIGUOUS);
  });

  it('refuses X-API-Key sent twice with different keys with 400 ambiguous', async () => {
    const res = await rawGet(app.port, ROUTES.me.path, [`X-API-Key: ${first.key}`, `X-API-Key: ${second.key}`]);
    expectProblem(res, AMBIGUOUS);
  });

  it('refuses Authorization: Bearer sent twice with different keys with 400 ambiguous', async () => {
    const res = await rawGet(app.port, ROUTES.me.path, [
      `Authorization: Bearer ${first.key}`,
      `Authorization: Bearer ${second.key}`,
    ]);
    expectProblem(res, AMBIGUOUS);
  });

  it('refuses a valid key next to a different, invalid one with 400 ambiguous', async () => {
    const res = await me().set('X-API-Key', first.key).set('Authorization', 'Bearer garbage');
    expectProblem(res, AMBIGUOUS);
  });

  it('accepts the same key in X-API-Key and Authorization: Bearer', async () => {
    const res = await me().set('X-API-Key', first.key).set('Authorization', `Bearer ${first.key}`);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(first.apiKey.id);
  });

  it('accepts the same key in X-API-Key twice', async () => {
    const res = await rawGet(app.port, ROUTES.me.path, [`X-API-Key: ${first.key}`, `x-api-key: ${first.key}`]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).key.id).toBe(first.apiKey.id);
  });
});
