// Labelling the tokens of a signed report: a token is a true positive only when it is a key of
// this instance whose secret matches the store (checksum first, then the real check); anything
// else, forged keys with a real id included, is a false positive and is never acted on.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { scryptHasher } from '../../src/hashing/scrypt.js';
import { generateKey } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import { createLeakedKeyHandler } from '../../src/leaks/handler.js';
import { keyFrom, setup } from '../support/helpers.js';
import { item, reportSigner } from '../support/report-signer.js';

function start(extra: Record<string, unknown> = {}) {
  const fx = setup();
  const signer = reportSigner();
  const onError = vi.fn();
  const handle = createLeakedKeyHandler({ keygate: fx.keygate, publicKeys: signer.publicKeys, onError, ...extra });
  const report = async (...tokens: string[]) => handle(signer.request(tokens.map((t) => item(t))));
  const isActive = async (id: string) => (await fx.keygate.keys.get(id))?.revokedAt === null;
  return { ...fx, signer, handle, onError, report, isActive };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('leaked-key labels', () => {
  it("answers GitHub's format: token_hash (SHA-256 hex of the token), token_type and label, in report order", async () => {
    const { handle, signer, createKey } = start();
    const { key } = await createKey();
    const res = await handle(signer.request([item('ghp_not_ours'), { ...item(key), type: 'acme_key' }]));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual([
      { token_hash: sha256('ghp_not_ours'), token_type: 'keygate_api_key', label: 'false_positive' },
      { token_hash: sha256(key), token_type: 'acme_key', label: 'true_positive' },
    ]);
  });

  it('labels a live key of this instance a true positive', async () => {
    const { report, createKey } = start();
    const { key } = await createKey();
    expect((await report(key)).body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
  });

  it('labels a key-shaped string with a wrong checksum a false positive without reading the store', async () => {
    const { report, createKey, store, reset } = start();
    const { key } = await createKey();
    reset();
    const typo = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect((await report(typo)).body).toEqual([expect.objectContaining({ label: 'false_positive' })]);
    expect(store.calls.findById).toBe(0);
  });

  it('labels a forged key (real id, valid checksum, wrong secret) a false positive and leaves the key alone', async () => {
    const { report, createKey, isActive } = start();
    const { apiKey } = await createKey();
    const forged = keyFrom(apiKey.prefix, apiKey.id, 'x'.repeat(43));
    const res = await report(forged);
    expect(res.body).toEqual([expect.objectContaining({ label: 'false_positive' })]);
    expect(await isActive(apiKey.id)).toBe(true);
  });

  it('labels a well-formed key of an unknown id, or of another prefix, a false positive', async () => {
    const { report, createKey } = start();
    const { apiKey, key } = await createKey();
    const otherPrefix = keyFrom('sk_other', apiKey.id, key.slice(-49, -6));
    const res = await report(generateKey('kg').key, otherPrefix);
    expect(res.body).toEqual([
      expect.objectContaining({ label: 'false_positive' }),
      expect.objectContaining({ label: 'false_positive' }),
    ]);
  });

  it('labels a leaked key that was already revoked a true positive (it was genuine)', async () => {
    const { report, createKey, keygate } = start();
    const { key, apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    expect((await report(key)).body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
  });

  it('labels a key hashed by a legacy hasher a true positive', async () => {
    const legacy = scryptHasher({ logN: 10 });
    const before = setup({ hasher: legacy });
    const { key } = await before.createKey();
    const keygate = createKeygate({ store: before.store.inner, legacyHashers: [legacy] });
    const signer = reportSigner();
    const handle = createLeakedKeyHandler({ keygate, publicKeys: signer.publicKeys });
    const res = await handle(signer.request([item(key)]));
    expect(res.body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
  });

  it('checks a token reported twice once, and labels both', async () => {
    const { report, createKey, hasher, reset } = start();
    const { key } = await createKey();
    reset();
    const res = await report(key, key);
    expect(res.body).toHaveLength(2);
    expect(new Set((res.body as Array<{ label: string }>).map((l) => l.label))).toEqual(new Set(['true_positive']));
    expect(hasher.calls.verify).toBe(1);
  });

  it('answers 503 with Retry-After when the store is unavailable, reporting to onError', async () => {
    const { report, createKey, store, onError } = start();
    const { key } = await createKey();
    store.failWith(new KeygateError('store_unavailable', 'keygate: the test key store is unavailable.'));
    const res = await report(key);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(onError).toHaveBeenCalledOnce();
    expect(res.json).not.toContain(key);
  });

  it('answers 500 for an unexpected failure, never naming the key', async () => {
    const { report, createKey, store, onError } = start();
    const { key } = await createKey();
    store.failWith(new Error('boom'));
    const res = await report(key);
    expect(res.status).toBe(500);
    expect(res.json).not.toContain(key);
    expect(onError).toHaveBeenCalledOnce();
  });
});
