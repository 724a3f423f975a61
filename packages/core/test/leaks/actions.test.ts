// What a confirmed leaked key gets: the configured action through the key lifecycle, and a `leaked`
// event saying where it was found and what was done, never carrying the key or its hash.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLeakedKeyHandler } from '../../src/leaks/handler.js';
import type { LeakAction } from '../../src/leaks/options.js';
import { START, withEvents } from '../support/helpers.js';
import { item, reportSigner } from '../support/report-signer.js';

const CONTEXT = { route: 'POST /github/secret-scanning', ip: '192.30.252.1', userAgent: 'GitHub-Hookshot/1' };

function start(action?: LeakAction) {
  const fx = withEvents();
  const signer = reportSigner();
  const handle = createLeakedKeyHandler({ keygate: fx.keygate, publicKeys: signer.publicKeys, action });
  const report = (items: ReturnType<typeof item>[]) => handle(signer.request(items, { context: CONTEXT }));
  return { ...fx, signer, handle, report };
}

describe('leaked-key actions', () => {
  it('revokes a confirmed key by default, with a revoked event carrying the request context', async () => {
    const { report, createKey, keygate, events } = start();
    const { key, apiKey } = await createKey();
    await report([item(key)]);
    expect((await keygate.keys.get(apiKey.id))?.revokedAt).toEqual(new Date(START));
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(events.filter((e) => e.type === 'revoked')).toEqual([expect.objectContaining(CONTEXT)]);
  });

  it('stops a key at once though it was verified and cached just before', async () => {
    const { report, createKey, keygate } = start();
    const { key } = await createKey();
    expect((await keygate.verify(key)).ok).toBe(true);
    await report([item(key)]);
    expect((await keygate.verify(key)).ok).toBe(false);
  });

  it('disables a confirmed key with action disable (it can be enabled again)', async () => {
    const { report, createKey, keygate, events } = start('disable');
    const { key, apiKey } = await createKey();
    await report([item(key)]);
    const after = await keygate.keys.get(apiKey.id);
    expect(after).toMatchObject({ revokedAt: null, disabledAt: new Date(START) });
    expect(events.map((e) => e.type)).toEqual(['created', 'disabled', 'leaked']);
  });

  it('revokes with action disable a key replaced by rotation but still in its grace period', async () => {
    const { report, createKey, keygate } = start('disable');
    const { key, apiKey } = await createKey();
    await keygate.keys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
    await report([item(key)]);
    expect((await keygate.keys.get(apiKey.id))?.revokedAt).not.toBeNull();
    expect((await keygate.verify(key)).ok).toBe(false);
  });

  it('only reports with action report: the key keeps working', async () => {
    const { report, createKey, keygate, events } = start('report');
    const { key } = await createKey();
    const res = await report([item(key)]);
    expect(res.body).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'leaked', leak: { action: 'none' } });
  });

  it('leaves a key that no longer authenticates alone (action none), without a second revoked event', async () => {
    const { report, createKey, keygate, events } = start();
    const { key, apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await report([item(key)]);
    expect(events.filter((e) => e.type === 'revoked')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'leaked', leak: { action: 'none' } });
  });

  it('revokes a disabled key with action revoke (it could otherwise be enabled again)', async () => {
    const { report, createKey, keygate } = start();
    const { key, apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    await report([item(key)]);
    expect((await keygate.keys.get(apiKey.id))?.revokedAt).not.toBeNull();
  });

  it('acts once on a key reported twice', async () => {
    const { report, createKey, events } = start();
    const { key } = await createKey();
    await report([item(key), item(key, 'https://gist.github.com/x')]);
    expect(events.filter((e) => e.type === 'revoked')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'leaked')).toHaveLength(1);
  });
});

describe('leaked event', () => {
  it('carries the key id, owner, request context, url, source and action', async () => {
    const { report, createKey, events } = start();
    const { key, apiKey } = await createKey({ owner: 'acct_9' });
    await report([item(key, 'https://github.com/octo/app/blob/abc/.env')]);
    expect(events.at(-1)).toEqual({
      type: 'leaked',
      time: new Date(START),
      keyId: apiKey.id,
      owner: 'acct_9',
      ...CONTEXT,
      leak: { url: 'https://github.com/octo/app/blob/abc/.env', source: 'content', action: 'revoked' },
    });
  });

  it('is emitted for true positives only', async () => {
    const { report, events } = start();
    await report([item('kg_AAAAAAAAAAAA_notakey'), item('ghp_x')]);
    expect(events.filter((e) => e.type === 'leaked')).toEqual([]);
  });

  it('never carries the key, its secret or its hash, in any encoding, even when the url holds the key', async () => {
    const { report, createKey, events, store } = start();
    const { key, apiKey } = await createKey();
    const secret = key.slice(-49, -6);
    const stored = (await store.inner.findById(apiKey.id))?.hash as string;
    await report([item(key, `https://github.com/octo/app/blob/abc/.env?k=${encodeURIComponent(key)}#${key}`)]);
    const text = JSON.stringify(events);
    const forms = [
      key,
      secret,
      stored,
      stored.split('$').at(-1) as string,
      createHash('sha256').update(key).digest('hex'),
      createHash('sha256').update(key).digest('base64'),
      Buffer.from(key).toString('base64'),
      Buffer.from(key).toString('hex'),
    ];
    for (const form of forms) expect(text).not.toContain(form);
    expect(events.at(-1)?.leak?.url).toContain('[redacted]');
  });

  it('keeps at most 2048 characters of url and source', async () => {
    const { report, createKey, events } = start();
    const { key } = await createKey();
    await report([{ ...item(key, `https://github.com/${'a'.repeat(5000)}`), source: 's'.repeat(5000) }]);
    const leak = events.at(-1)?.leak;
    expect(leak?.url).toHaveLength(2048);
    expect(leak?.source).toHaveLength(2048);
  });
});
