// The leaked-key endpoint over HTTP, identical on Express, Koa and Fastify: a report signed by a
// known key over the raw body is labelled and acted on; anything else gets a 4xx problem+json and
// changes nothing. Reports are signed with a locally generated P-256 key (no network).
import { createServer, request as httpRequest } from 'node:http';
import type { AuditEvent, CreatedKey } from '@keygate/core';
import { readRawBody } from '@keygate/core/adapter';
import { leakedKeyHandler } from '@keygate/express';
import { leakedKeyRoute } from '@keygate/koa';
import express from 'express';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { item, reportSigner } from '../../packages/core/test/support/report-signer.js';
import { listen, type RunningApp } from './apps.js';
import { createFixture, expectProblem, type Fixture, wrongSecretKey } from './helpers.js';
import { LEAK_PATH, leakAdapters } from './leak-apps.js';

const signer = reportSigner();
const SIGNATURE_CHALLENGE = 'Signature realm="secret-scanning"';

describe.each(leakAdapters)('leaked-key endpoint on $name', (adapter) => {
  let fx: Fixture;
  let app: RunningApp;
  const events: AuditEvent[] = [];

  beforeAll(async () => {
    fx = createFixture({ onEvent: (event) => events.push(event) });
    app = await adapter.start(fx.keygate, { publicKeys: signer.publicKeys, bodyLimit: 4096, maxTokens: 10 });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    events.length = 0;
  });

  // A report as GitHub posts it: JSON, signed over the exact bytes sent.
  const post = (body: string, headers: Record<string, string> = {}) =>
    request(app.server)
      .post(LEAK_PATH)
      .set('content-type', 'application/json')
      .set('github-public-key-identifier', signer.identifier)
      .set('github-public-key-signature', signer.sign(body))
      .set(headers)
      .send(body);
  const works = async (key: CreatedKey) => (await fx.keygate.verify(key.key)).ok;

  it('labels a live key a true positive, revokes it and emits leaked with the GitHub url and source', async () => {
    const leaked = await fx.issue();
    const res = await post(JSON.stringify([item(leaked.key), item('ghp_someone_elses')]));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual([
      { token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'keygate_api_key', label: 'true_positive' },
      { token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'keygate_api_key', label: 'false_positive' },
    ]);
    expect(await works(leaked)).toBe(false);
    expect(events.find((e) => e.type === 'leaked')).toMatchObject({
      keyId: leaked.apiKey.id,
      route: `POST ${LEAK_PATH}`,
      leak: { url: item('').url, source: 'content', action: 'revoked' },
    });
    expect(JSON.stringify(events)).not.toContain(leaked.key);
  });

  it('labels a forged key with a real id and a wrong secret a false positive and leaves the key working', async () => {
    const victim = await fx.issue();
    const forged = await wrongSecretKey(fx, victim);
    const res = await post(JSON.stringify([item(forged)]));
    expect(res.body).toEqual([expect.objectContaining({ label: 'false_positive' })]);
    expect(await works(victim)).toBe(true);
  });

  it('refuses a report whose signature does not match the body with 401, acting on nothing', async () => {
    const leaked = await fx.issue();
    const body = JSON.stringify([item(leaked.key)]);
    const res = await post(body, { 'github-public-key-signature': signer.sign(`${body} `) });
    expectProblem(res, { status: 401, code: 'invalid_signature', challenge: SIGNATURE_CHALLENGE });
    expect(await works(leaked)).toBe(true);
    expect(events.filter((e) => e.type !== 'created' && e.type !== 'verified')).toEqual([]);
  });

  it('refuses a report without a signature with 400, acting on nothing', async () => {
    const leaked = await fx.issue();
    const res = await request(app.server)
      .post(LEAK_PATH)
      .set('content-type', 'application/json')
      .send(JSON.stringify([item(leaked.key)]));
    expectProblem(res, { status: 400, code: 'invalid_request' });
    expect(await works(leaked)).toBe(true);
  });

  it('answers an unsigned caller the same for a live key and for garbage (no oracle)', async () => {
    const leaked = await fx.issue();
    const bad = { 'github-public-key-signature': signer.sign('something else') };
    const live = await post(JSON.stringify([item(leaked.key)]), bad);
    const junk = await post(JSON.stringify([item(`${leaked.key.slice(0, -8)}AAAAAAAA`)]), bad);
    expect(live.status).toBe(401);
    expect(live.text).toBe(junk.text);
  });

  it('refuses a body over bodyLimit with 413 (announced or streamed)', async () => {
    const big = JSON.stringify([{ token: 'x', url: 'u'.repeat(5000) }]);
    expectProblem(await post(big), { status: 413, code: 'payload_too_large' });
    const streamed = await chunked(app.port, big, signer.sign(big));
    expect(streamed.status).toBe(413);
  });

  it.each([
    ['invalid JSON', '[{"token":'],
    ['an object instead of an array', '{"token":"x"}'],
    ['more than maxTokens items', JSON.stringify(Array.from({ length: 11 }, () => item('x')))],
    ['a huge token', JSON.stringify([{ token: 'k'.repeat(2000) }])],
  ])('refuses a signed report with %s with 400', async (_name, body) => {
    expectProblem(await post(body), { status: 400, code: 'invalid_request' });
  });

  it('reads the raw body whatever its content type', async () => {
    const leaked = await fx.issue();
    const body = JSON.stringify([item(leaked.key)]);
    const res = await post(body, { 'content-type': 'text/plain' });
    expect(res.body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
  });

  it("leaves the rest of the app's JSON body parsing as it was", async () => {
    const res = await request(app.server).post('/echo').send({ hello: 'world' });
    expect(res.body).toEqual({ hello: 'world' });
  });
});

// A POST with a chunked body (no Content-Length): the limit holds while reading.
function chunked(port: number, body: string, signature: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: LEAK_PATH,
        headers: {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
          'github-public-key-identifier': signer.identifier,
          'github-public-key-signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
    req.end();
  });
}

// Body parsers in front of the endpoint: a parsed body cannot be verified and is refused with a
// clear 400; a parser that keeps the raw text (koa-bodyparser's ctx.request.rawBody) is fine.
describe('leaked-key endpoint behind a body parser', () => {
  const fx = createFixture();
  const options = { keygate: fx.keygate, publicKeys: signer.publicKeys, onError: () => {} };

  const report = async (server: RunningApp['server'], key: string) => {
    const body = JSON.stringify([item(key)]);
    return request(server)
      .post(LEAK_PATH)
      .set('content-type', 'application/json')
      .set('github-public-key-identifier', signer.identifier)
      .set('github-public-key-signature', signer.sign(body))
      .send(body);
  };

  it('Express: answers 400 naming the raw body when express.json() ran first, acting on nothing', async () => {
    const app = express();
    app.use(express.json());
    app.post(LEAK_PATH, leakedKeyHandler(options));
    const running = await listen(createServer(app));
    try {
      const leaked = await fx.issue();
      const res = await report(running.server, leaked.key);
      const body = expectProblem(res, { status: 400, code: 'invalid_request' });
      expect(body.detail).toContain('raw request body');
      expect((await fx.keygate.verify(leaked.key)).ok).toBe(true);
    } finally {
      await running.close();
    }
  });

  it('Koa: uses ctx.request.rawBody when a body parser read the stream first', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      const read = await readRawBody(ctx.req, 10_000);
      const text = read.ok ? (read.body?.toString('utf8') ?? '') : '';
      Object.assign(ctx.request, { rawBody: text, body: JSON.parse(text) });
      await next();
    });
    app.use(leakedKeyRoute({ ...options, path: LEAK_PATH }));
    const running = await listen(createServer(app.callback()));
    try {
      const leaked = await fx.issue();
      const res = await report(running.server, leaked.key);
      expect(res.body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    } finally {
      await running.close();
    }
  });
});
