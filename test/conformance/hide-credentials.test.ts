// hideCredentials, identical on every adapter: the handler never sees the key, in any header,
// query parameter, URL or cookie, and sees every other header, parameter and cookie as sent.
import type { CreatedKey, KeySource } from '@keygate/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from './apps.js';
import { createFixture, type Fixture, rawGet } from './helpers.js';
import { SEEN_PATH, seenAdapters } from './hide-apps.js';

const EVERY_SOURCE: readonly KeySource[] = [
  { in: 'header', name: 'X-API-Key' },
  { in: 'bearer' },
  { in: 'query', name: 'api_key' },
  { in: 'cookie', name: 'api_key' },
];

interface Seen {
  headers: Record<string, string>;
  rawHeaders: string[];
  query: Record<string, string>;
  url: string;
  originalUrl: string;
  cookies: Record<string, string>;
}

describe.each(seenAdapters)('$name: hideCredentials', (adapter) => {
  let fx: Fixture;
  let hiding: RunningApp;
  let showing: RunningApp;
  let valid: CreatedKey;

  beforeAll(async () => {
    fx = createFixture();
    hiding = await adapter.start({ auth: { keygate: fx.keygate, sources: EVERY_SOURCE, hideCredentials: true } });
    showing = await adapter.start({ auth: { keygate: fx.keygate, sources: EVERY_SOURCE } });
    valid = await fx.issue();
  });
  afterAll(async () => {
    for (const app of [hiding, showing]) await app?.close();
  });

  const seen = async (app: RunningApp, query: string, headers: Record<string, string>): Promise<Seen> => {
    const res = await request(app.server)
      .get(SEEN_PATH + query)
      .set(headers);
    expect(res.status).toBe(200);
    return res.body as Seen;
  };

  it('removes X-API-Key from the headers the handler sees, keeping the others', async () => {
    const body = await seen(hiding, '', { 'X-API-Key': valid.key, 'X-Request-Id': 'r1' });
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.headers).not.toHaveProperty('x-api-key');
    expect(body.headers['x-request-id']).toBe('r1');
    expect(body.rawHeaders).toContain('r1');
  });

  it('removes Authorization: Bearer from the headers the handler sees', async () => {
    const body = await seen(hiding, '', { Authorization: `Bearer ${valid.key}`, Accept: 'application/json' });
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.headers).not.toHaveProperty('authorization');
    expect(body.headers.accept).toBe('application/json');
  });

  it('removes the query parameter from the parsed query, the URL and the original URL, keeping the others in order', async () => {
    const body = await seen(hiding, `?b=2&api_key=${valid.key}&a=1`, {});
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.query).toEqual({ b: '2', a: '1' });
    expect(body.url).toMatch(/\/seen\?b=2&a=1$/);
    expect(body.originalUrl).toBe(`${SEEN_PATH}?b=2&a=1`);
  });

  it('removes a percent-encoded query parameter name too', async () => {
    const body = await seen(hiding, `?api%5Fkey=${valid.key}&page=3`, {});
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.query).toEqual({ page: '3' });
  });

  it('removes the cookie from the Cookie header and the parsed cookies, keeping the others', async () => {
    const body = await seen(hiding, '', { Cookie: `theme=dark; api_key=${valid.key}; lang=fr` });
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.headers.cookie).toBe('theme=dark; lang=fr');
    expect(body.cookies).toEqual({ theme: 'dark', lang: 'fr' });
  });

  it('removes the key from every source that carried it at once', async () => {
    const body = await seen(hiding, `?api_key=${valid.key}`, {
      'X-API-Key': valid.key,
      Authorization: `Bearer ${valid.key}`,
      Cookie: `api_key=${valid.key}`,
    });
    expect(JSON.stringify(body)).not.toContain(valid.key);
    expect(body.headers).not.toHaveProperty('cookie');
  });

  it('removes every copy of a key sent twice: two X-API-Key headers, two key cookies', async () => {
    const res = await rawGet(hiding.port, SEEN_PATH, [
      `X-API-Key: ${valid.key}`,
      `Cookie: api_key=${valid.key}; a=1`,
      `x-api-key: ${valid.key}`,
      `Cookie: b=2; api_key=${valid.key}`,
    ]);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(valid.key);
    expect((JSON.parse(res.text) as Seen).headers.cookie).toBe('a=1; b=2');
  });

  it('keeps an Authorization header of another scheme, which carried no key', async () => {
    const body = await seen(hiding, '', { 'X-API-Key': valid.key, Authorization: 'Basic dXNlcjpwYXNz' });
    expect(body.headers.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('is off by default: the handler sees the key where it was sent', async () => {
    const body = await seen(showing, `?api_key=${valid.key}`, { 'X-API-Key': valid.key });
    expect(body.headers['x-api-key']).toBe(valid.key);
    expect(body.query.api_key).toBe(valid.key);
  });
});
