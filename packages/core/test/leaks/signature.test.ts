// The signature of a leaked-key report: only a report signed by a known P-256 key is read and
// acted on; anything else is refused with 400 or 401 problem+json, acting on nothing.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createLeakedKeyHandler } from '../../src/leaks/handler.js';
import { keygateErrorOf } from '../support/errors.js';
import { setup } from '../support/helpers.js';
import { item, reportSigner } from '../support/report-signer.js';

function start(publicKeys?: unknown, extra: Record<string, unknown> = {}) {
  const fx = setup();
  const signer = reportSigner();
  const onError = vi.fn();
  const handle = createLeakedKeyHandler({
    keygate: fx.keygate,
    publicKeys: (publicKeys ?? signer.publicKeys) as Record<string, string>,
    onError,
    ...extra,
  });
  const isActive = async (id: string) => (await fx.keygate.keys.get(id))?.revokedAt === null;
  return { ...fx, signer, handle, onError, isActive };
}

describe('leaked-key report signature', () => {
  it('accepts a report signed by a configured key and labels its tokens', async () => {
    const { handle, signer, createKey } = start();
    const { key } = await createKey();
    const res = await handle(signer.request([item(key)]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
  });

  it('refuses a report whose body was changed after signing with 401 invalid_signature, acting on nothing', async () => {
    const { handle, signer, createKey, isActive } = start();
    const { key, apiKey } = await createKey();
    const signed = signer.request([item(key)]);
    const tampered = Buffer.from(JSON.stringify([item(key, 'https://github.com/other')]));
    const res = await handle({ ...signed, body: tampered });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'invalid_signature' });
    expect(await isActive(apiKey.id)).toBe(true);
  });

  it('refuses a report signed by another key under a known identifier with 401', async () => {
    const { handle, signer, createKey, isActive } = start();
    const other = reportSigner(signer.identifier);
    const { key, apiKey } = await createKey();
    const res = await handle(other.request([item(key)]));
    expect(res.status).toBe(401);
    expect(await isActive(apiKey.id)).toBe(true);
  });

  it('refuses a report signed with an unknown key identifier with 401', async () => {
    const { handle, createKey, isActive } = start();
    const stranger = reportSigner('0000');
    const { key, apiKey } = await createKey();
    const res = await handle(stranger.request([item(key)]));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'invalid_signature', detail: expect.stringContaining('unknown key') });
    expect(await isActive(apiKey.id)).toBe(true);
  });

  it.each([
    ['a missing signature header', { signature: undefined }, 'Github-Public-Key-Signature'],
    ['a missing identifier header', { keyIdentifier: undefined }, 'Github-Public-Key-Identifier'],
    ['a signature that is not base64', { signature: 'not base64!' }, 'Github-Public-Key-Signature'],
    ['a huge signature header', { signature: 'A'.repeat(100_000) }, 'Github-Public-Key-Signature'],
    ['a huge identifier header', { keyIdentifier: 'a'.repeat(100_000) }, 'Github-Public-Key-Identifier'],
  ])('refuses %s with 400 naming the header, acting on nothing', async (_name, override, field) => {
    const { handle, signer, createKey, isActive } = start();
    const { key, apiKey } = await createKey();
    const res = await handle(signer.request([item(key)], override));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_request', field });
    expect(await isActive(apiKey.id)).toBe(true);
  });

  it('refuses a well-formed base64 signature that is not a DER signature with 401', async () => {
    const { handle, signer } = start();
    const res = await handle(signer.request([], { signature: Buffer.from('garbage').toString('base64') }));
    expect(res.status).toBe(401);
  });

  it('answers an unsigned report the same whether its token is a live key or not (no oracle)', async () => {
    const { handle, signer, createKey } = start();
    const { key } = await createKey();
    const forged = `${key.slice(0, -10)}AAAAAAAAAA`;
    const live = await handle(signer.request([item(key)], { signature: signer.sign('other') }));
    const fake = await handle(signer.request([item(forged)], { signature: signer.sign('other') }));
    expect(live.status).toBe(401);
    expect(live.json).toBe(fake.json);
    expect(live.headers).toEqual(fake.headers);
  });

  it('reads the signing key through a publicKeys function, by identifier', async () => {
    const signer = reportSigner();
    const lookup = vi.fn(async (id: string) => (id === signer.identifier ? signer.pem : undefined));
    const fx = setup();
    const handle = createLeakedKeyHandler({ keygate: fx.keygate, publicKeys: lookup });
    const { key } = await fx.createKey();
    const res = await handle(signer.request([item(key)]));
    expect(res.status).toBe(200);
    expect(lookup).toHaveBeenCalledWith(signer.identifier);
    expect((await handle(reportSigner('ffff').request([item(key)]))).status).toBe(401);
  });

  it('answers 503 when the publicKeys function fails or outlasts publicKeyTimeoutMs, reporting to onError', async () => {
    const signer = reportSigner();
    const failing = start(async () => {
      throw new Error('GitHub is down');
    });
    expect((await failing.handle(signer.request([]))).status).toBe(503);
    expect(failing.onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'GitHub is down' }));
    const hanging = start(() => new Promise<string>(() => {}), { publicKeyTimeoutMs: 20 });
    const res = await hanging.handle(signer.request([]));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(hanging.onError).toHaveBeenCalledOnce();
  });

  it('answers 503 when the publicKeys function returns something that is not a P-256 key, reporting to onError', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    const { handle, signer, onError } = start(async () => rsa.toString());
    expect((await handle(signer.request([]))).status).toBe(503);
    expect(onError).toHaveBeenCalledOnce();
  });

  it.each([
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }),
    ],
    [
      'a P-384 key',
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }),
    ],
    ['text that is not PEM', 'hello'],
    ['a number', 42],
  ])('refuses %s in publicKeys with invalid_options when built', (_name, pem) => {
    const { keygate } = setup();
    const error = keygateErrorOf(() => createLeakedKeyHandler({ keygate, publicKeys: { k1: pem as string } }));
    expect(error.code).toBe('invalid_options');
    expect(error.field).toBe('publicKeys.k1');
  });

  it.each([
    ['no publicKeys', undefined],
    ['an empty map', {}],
    ['an array', []],
  ])('refuses %s with invalid_options', (_name, publicKeys) => {
    const { keygate } = setup();
    const error = keygateErrorOf(() => createLeakedKeyHandler({ keygate, publicKeys: publicKeys as never }));
    expect(error).toMatchObject({ code: 'invalid_options', field: 'publicKeys' });
  });
});
