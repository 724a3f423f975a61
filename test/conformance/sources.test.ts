// Where the key is read from, identical on every adapter: headers by default; query string and
// cookie only when configured; custom header names; only the configured sources.
import type { CreatedKey, KeySource } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { CHALLENGE, createFixture, expectProblem, type Fixture } from './helpers.js';

const EVERY_SOURCE: readonly KeySource[] = [
  { in: 'header', name: 'x-api-key' },
  { in: 'bearer' },
  { in: 'query', name: 'api_key' },
  { in: 'cookie', name: 'api_key' },
];

describe.each(adapters)('$name: key sources', (adapter) => {
  let fx: Fixture;
  let byDefault: RunningApp;
  let everySource: RunningApp;
  let cookieOnly: RunningApp;
  let customHeader: RunningApp;
  let valid: CreatedKey;
  let other: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    byDefault = await adapter.start({ keygate: fx.keygate });
    everySource = await adapter.start({ keygate: fx.keygate, sources: EVERY_SOURCE });
    cookieOnly = await adapter.start({ keygate: fx.keygate, sources: [{ in: 'cookie', name: 'api_key' }] });
    customHeader = await adapter.start({ keygate: fx.keygate, sources: [{ in: 'header', name: 'X-Custom-Key' }] });
    valid = await fx.issue();
    other = await fx.issue();
  });
  afterAll(async () => {
    for (const app of [byDefault, everySource, cookieOnly, customHeader]) await app?.close();
  });

  const me = (app: RunningApp, query = '') => request(app.server).get(ROUTES.me.path + query);

  it('does not read the query string by default: a key only in ?api_key= is 401 missing', async () => {
    const res = await me(byDefault, `?api_key=${valid.key}`);
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('does not read cookies by default: a key only in the api_key cookie is 401 missing', async () => {
    const res = await me(byDefault).set('Cookie', `api_key=${valid.key}`);
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('reads ?api_key= when the query source is configured', async () => {
    const res = await me(everySource, `?api_key=${valid.key}`);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });

  it('reads the api_key cookie when the cookie source is configured', async () => {
    const res = await me(everySource).set('Cookie', `theme=dark; api_key=${valid.key}`);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });

  it('still reads the headers when query and cookie sources are added', async () => {
    const res = await me(everySource).set('Authorization', `Bearer ${valid.key}`);
    expect(res.status).toBe(200);
  });

  it('refuses different keys in X-API-Key and ?api_key= with 400 ambiguous', async () => {
    const res = await me(everySource, `?api_key=${other.key}`).set('X-API-Key', valid.key);
    expectProblem(res, { status: 400, code: 'ambiguous', challenge: CHALLENGE.invalidRequest });
  });

  it('refuses different keys in a cookie and Authorization: Bearer with 400 ambiguous', async () => {
    const res = await me(everySource).set('Cookie', `api_key=${other.key}`).set('Authorization', `Bearer ${valid.key}`);
    expectProblem(res, { status: 400, code: 'ambiguous', challenge: CHALLENGE.invalidRequest });
  });

  it('refuses ?api_key= given twice with different keys with 400 ambiguous', async () => {
    const res = await me(everySource, `?api_key=${valid.key}&api_key=${other.key}`);
    expectProblem(res, { status: 400, code: 'ambiguous', challenge: CHALLENGE.invalidRequest });
  });

  it('accepts the same key in X-API-Key and ?api_key=', async () => {
    const res = await me(everySource, `?api_key=${valid.key}`).set('X-API-Key', valid.key);
    expect(res.status).toBe(200);
  });

  it('refuses an empty ?api_key= with 400 malformed', async () => {
    const res = await me(everySource, '?api_key=');
    expectProblem(res, { status: 400, code: 'malformed', challenge: CHALLENGE.invalidRequest });
  });

  it('reads only the configured sources: X-API-Key is ignored when only the cookie is configured', async () => {
    const res = await me(cookieOnly).set('X-API-Key', valid.key);
    expectProblem(res, { status: 401, code: 'missing', challenge: CHALLENGE.missing });
  });

  it('reads the cookie when it is the only source', async () => {
    const res = await me(cookieOnly).set('Cookie', `api_key=${valid.key}`);
    expect(res.status).toBe(200);
  });

  it('reads a custom header name case-insensitively', async () => {
    const res = await me(customHeader).set('x-custom-key', valid.key);
    expect(res.status).toBe(200);
    expect(res.body.key.id).toBe(valid.apiKey.id);
  });
});
