// The body of a leaked-key report: raw bytes only, bounded in size, items and token length, a JSON
// array of objects; anything else is refused whole with a clear 4xx (never a crash or a hang).
import { describe, expect, it, vi } from 'vitest';
import { createLeakedKeyHandler } from '../../src/leaks/handler.js';
import { setup } from '../support/helpers.js';
import { item, reportSigner } from '../support/report-signer.js';

function start(extra: Record<string, unknown> = {}) {
  const fx = setup();
  const signer = reportSigner();
  const onError = vi.fn();
  const handle = createLeakedKeyHandler({ keygate: fx.keygate, publicKeys: signer.publicKeys, onError, ...extra });
  return { ...fx, signer, handle, onError };
}

describe('leaked-key report body', () => {
  it('answers 405 with Allow: POST to any other method', async () => {
    const { handle, signer } = start();
    const res = await handle(signer.request([], { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('refuses a body that is not the raw bytes (a body parser ran first) with 400, reporting the setup to onError', async () => {
    const { handle, signer, onError } = start();
    const res = await handle(signer.request([], { body: [{ token: 'x' }] }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_request', detail: expect.stringContaining('raw request body') });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('refuses a body over bodyLimit with 413 before checking anything else', async () => {
    const { handle, signer } = start({ bodyLimit: 100 });
    const res = await handle(signer.request('x'.repeat(101), { signature: undefined }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'payload_too_large' });
  });

  it.each([
    ['invalid JSON', '[{"token": '],
    ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0x5d])],
    ['an empty body', ''],
    ['an object instead of an array', '{"token":"x"}'],
    ['an item that is not an object', '["kg_x"]'],
    ['an item without a token', '[{"type":"t"}]'],
    ['a token that is not a string', '[{"token":42}]'],
    ['an empty token', '[{"token":""}]'],
    ['a huge token', JSON.stringify([{ token: 'k'.repeat(1025) }])],
    ['a url that is not a string', '[{"token":"x","url":{}}]'],
    ['a huge source', JSON.stringify([{ token: 'x', source: 's'.repeat(8193) }])],
  ])('refuses a signed report with %s with 400 problem+json', async (_name, body) => {
    const { handle, signer } = start();
    const res = await handle(signer.request(body));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a report of more than maxTokens items with 400', async () => {
    const { handle, signer } = start({ maxTokens: 3 });
    const res = await handle(signer.request([1, 2, 3, 4].map((n) => item(`token${n}`))));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ detail: 'The report may hold at most 3 tokens.' });
  });

  it('never quotes a token in a refusal', async () => {
    const { handle, signer, createKey } = start();
    const { key } = await createKey();
    const res = await handle(signer.request(JSON.stringify([item(key), { token: key, url: 42 }])));
    expect(res.status).toBe(400);
    expect(res.json).not.toContain(key);
  });

  it('answers an empty report with an empty array', async () => {
    const { handle, signer } = start();
    const res = await handle(signer.request([]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('accepts items without type, url or source', async () => {
    const { handle, signer } = start();
    const res = await handle(signer.request([{ token: 'not-a-key' }]));
    expect(res.body).toEqual([expect.objectContaining({ token_type: '', label: 'false_positive' })]);
  });
});
