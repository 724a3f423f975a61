// No key in any log line of a real pino logger (pino-http on Express and Koa, Fastify's own): the
// request logged before authentication is covered by pinoRedactPaths, what handlers log afterwards
// by hideCredentials. A key in the query string is the exception redaction cannot cover: it stays
// inside the logged URL unless a serializer blanks it.
import { type CreatedKey, type KeySource, pinoRedactPaths, redactKeys } from '@keygate/core';
import type { LoggerOptions } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from './apps.js';
import { createFixture, type Fixture } from './helpers.js';
import { SEEN_PATH, type SeenAdapter, seenAdapters } from './hide-apps.js';

const HEADERS_AND_COOKIE: readonly KeySource[] = [
  { in: 'header', name: 'X-API-Key' },
  { in: 'bearer' },
  { in: 'cookie', name: 'api_key' },
];
const QUERY: readonly KeySource[] = [{ in: 'query', name: 'api_key' }];

// Fastify's default request serializer logs no headers: this one does, as pino-http's does.
const WITH_HEADERS = {
  req: (req: { method: string; url: string; headers: unknown }) => ({
    method: req.method,
    url: req.url,
    headers: req.headers,
  }),
};

// The documented fix for query keys: blank every key in the logged URL.
const URL_BLANKED = {
  req: (req: { url: string }) => ({ ...req, url: redactKeys(req.url) }),
};

interface Logged {
  readonly app: RunningApp;
  readonly lines: string[];
}

async function loggingApp(
  adapter: SeenAdapter,
  fx: Fixture,
  sources: readonly KeySource[],
  options: LoggerOptions,
): Promise<Logged> {
  const lines: string[] = [];
  const app = await adapter.start({
    auth: { keygate: fx.keygate, sources, hideCredentials: true },
    log: { options, lines },
  });
  return { app, lines };
}

describe.each(seenAdapters)('$name: keys in pino logs', (adapter) => {
  let fx: Fixture;
  let valid: CreatedKey;
  let headers: Logged;
  let query: Logged;
  let blanked: Logged;

  beforeAll(async () => {
    fx = createFixture();
    valid = await fx.issue();
    const serializers = adapter.name === 'fastify' ? WITH_HEADERS : {};
    headers = await loggingApp(adapter, fx, HEADERS_AND_COOKIE, {
      redact: pinoRedactPaths({ sources: HEADERS_AND_COOKIE }),
      serializers,
    });
    query = await loggingApp(adapter, fx, QUERY, { redact: pinoRedactPaths({ sources: QUERY }), serializers });
    blanked = await loggingApp(adapter, fx, QUERY, {
      redact: pinoRedactPaths({ sources: QUERY }),
      serializers: adapter.name === 'fastify' ? { req: (req) => URL_BLANKED.req(WITH_HEADERS.req(req)) } : URL_BLANKED,
    });
  });
  afterAll(async () => {
    for (const logged of [headers, query, blanked]) await logged?.app.close();
  });

  const logOf = async (logged: Logged, path: string, set: Record<string, string> = {}) => {
    logged.lines.length = 0;
    const res = await request(logged.app.server).get(path).set(set);
    expect(res.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve)); // the response line is written on finish
    expect(logged.lines.some((line) => line.includes('"handled"'))).toBe(true);
    return logged.lines.join('');
  };

  it('logs no key sent in X-API-Key, and logs the request with the header redacted', async () => {
    const log = await logOf(headers, SEEN_PATH, { 'X-API-Key': valid.key });
    expect(log).not.toContain(valid.key);
    expect(log).toContain('"x-api-key":"[Redacted]"');
  });

  it('logs no key sent as Authorization: Bearer', async () => {
    const log = await logOf(headers, SEEN_PATH, { Authorization: `Bearer ${valid.key}` });
    expect(log).not.toContain(valid.key);
  });

  it('logs no key sent in a cookie', async () => {
    const log = await logOf(headers, SEEN_PATH, { Cookie: `theme=dark; api_key=${valid.key}` });
    expect(log).not.toContain(valid.key);
  });

  it('cannot redact a query key inside the logged URL: without a serializer the URL keeps it', async () => {
    const log = await logOf(query, `${SEEN_PATH}?api_key=${valid.key}`);
    expect(log).toContain(`api_key=${valid.key}`);
  });

  it('logs no query key once a serializer blanks keys in the URL (redactKeys)', async () => {
    const log = await logOf(blanked, `${SEEN_PATH}?page=2&api_key=${valid.key}`);
    expect(log).not.toContain(valid.key);
    expect(log).toContain('page=2');
  });
});
