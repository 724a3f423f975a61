// Cookie sources in Express: read from cookie-parser's req.cookies when it is mounted, else from the
// Cookie header, parsed by the `cookie` package Express itself uses. No request fails for want of a parser.
import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import cookieParser from 'cookie-parser';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { apiKeyAuth } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

function app(options: { cookieParser?: boolean } = {}) {
  const server = express();
  if (options.cookieParser) server.use(cookieParser());
  server.use(apiKeyAuth({ keygate, sources: [{ in: 'cookie', name: 'api_key' }] }));
  server.get('/', (req, res) => {
    res.json({ id: req.apiKey?.id ?? null });
  });
  return server;
}

describe('@keygate/express cookie sources', () => {
  it('reads a cookie source from the Cookie header when cookie-parser is not mounted', async () => {
    const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const res = await request(app()).get('/').set('Cookie', `theme=dark; api_key=${key}`).expect(200);
    expect(res.body).toEqual({ id: apiKey.id });
  });

  it('answers 401 to a request without the cookie when cookie-parser is not mounted', async () => {
    await request(app()).get('/').set('Cookie', 'theme=dark').expect(401);
  });

  it('answers 400 to two same-named cookies carrying different keys when cookie-parser is not mounted', async () => {
    const [a, b] = [
      await keygate.keys.create({ name: 'a', owner: 'o' }),
      await keygate.keys.create({ name: 'b', owner: 'o' }),
    ];
    await request(app()).get('/').set('Cookie', `api_key=${a.key}; api_key=${b.key}`).expect(400);
  });

  it('reads a cookie source from req.cookies when cookie-parser is mounted', async () => {
    const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'o' });
    const res = await request(app({ cookieParser: true }))
      .get('/')
      .set('Cookie', `api_key=${key}`)
      .expect(200);
    expect(res.body).toEqual({ id: apiKey.id });
  });
});
