// KeyManager.rotate (keygate.keys.rotate): a replacement key, and the old one's grace period.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestContext } from '../../src/events.js';
import { parseKey } from '../../src/key/format.js';
import { bareManager, expectKeygateError, START, setup, withEvents } from '../support/helpers.js';

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('keys.rotate', () => {
  it('mints a new key with the same name, owner, scopes, metadata, limits and expiry', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({
      name: 'deploy',
      owner: 'acct_9',
      scopes: ['deploy:write'],
      metadata: { env: 'prod' },
      expiresIn: 10 * HOUR,
      rateLimits: [{ name: 'burst', limit: 3, windowSeconds: 1 }],
      allowedIps: ['192.0.2.0/24'],
    });
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(parseKey(rotated.key)).toMatchObject({ ok: true, key: { id: rotated.apiKey.id } });
    expect(rotated.apiKey.id).not.toBe(apiKey.id);
    const { id: _a, createdAt: _b, ...inherited } = apiKey;
    expect(rotated.apiKey).toMatchObject(inherited);
  });

  it('gives a new key that verifies', async () => {
    const { createKey, keygate, clock } = setup();
    const old = await createKey();
    const rotated = await keygate.keys.rotate(old.apiKey.id, { gracePeriodMs: HOUR });
    expect(await keygate.verify(rotated.key)).toMatchObject({ ok: true, key: { id: rotated.apiKey.id } });
    clock.advance(2 * HOUR);
    expect(await keygate.verify(rotated.key)).toMatchObject({ ok: true });
  });

  it('marks the old key replacedBy the new id', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(rotated.previous.replacedBy).toBe(rotated.apiKey.id);
    expect((await keygate.keys.get(apiKey.id))?.replacedBy).toBe(rotated.apiKey.id);
  });

  it('gives the replacement the lineage of the first key of the chain', async () => {
    const { keygate, createKey } = setup();
    const first = await createKey();
    const second = await keygate.keys.rotate(first.apiKey.id);
    const third = await keygate.keys.rotate(second.apiKey.id);
    expect(first.apiKey.lineage).toBe(first.apiKey.id);
    expect(third.apiKey.lineage).toBe(first.apiKey.id);
  });

  it('keeps the old key working during the grace period and rejects it afterwards', async () => {
    const { createKey, keygate, clock } = setup();
    const old = await createKey();
    await keygate.verify(old.key);
    await keygate.keys.rotate(old.apiKey.id, { gracePeriodMs: HOUR });
    clock.advance(HOUR - 1);
    expect(await keygate.verify(old.key)).toMatchObject({ ok: true });
    clock.advance(1);
    expect(await keygate.verify(old.key)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('revokes the old key at once with a grace period of 0', async () => {
    const { createKey, keygate } = setup();
    const old = await createKey();
    await keygate.verify(old.key);
    const rotated = await keygate.keys.rotate(old.apiKey.id, { gracePeriodMs: 0 });
    expect(rotated.previous.revokedAt).toEqual(new Date(START));
    expect(await keygate.verify(old.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('revokes the old key at once when no grace period is given', async () => {
    const { createKey, keygate } = setup();
    const old = await createKey();
    await keygate.keys.rotate(old.apiKey.id);
    expect(await keygate.verify(old.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('never extends the old key past its own expiry', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ expiresIn: HOUR });
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: 24 * HOUR });
    expect(rotated.previous.expiresAt).toEqual(new Date(START + HOUR));
  });

  it('replaces an owner’s only key at maxKeysPerOwner 1', async () => {
    const { createKey, keygate } = setup({ maxKeysPerOwner: 1 });
    const { apiKey } = await createKey();
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(rotated.apiKey.owner).toBe(apiKey.owner);
  });

  it('reports the old key to invalidate', async () => {
    const { keys, invalidated } = bareManager();
    const { apiKey } = await keys.create({ name: 'a', owner: 'o' });
    await keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(invalidated).toContain(apiKey.id);
  });

  it('refuses a revoked key', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await expectKeygateError(keygate.keys.rotate(apiKey.id), 'conflict');
  });

  it('refuses a key that was already rotated', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    await expectKeygateError(keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }), 'conflict');
  });

  it('refuses an expired key', async () => {
    const { createKey, keygate, clock } = setup();
    const { apiKey } = await createKey({ expiresIn: 1000 });
    clock.advance(1000);
    await expectKeygateError(keygate.keys.rotate(apiKey.id), 'conflict');
  });

  it('answers not_found for an unknown id', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.keys.rotate('000000000000'), 'not_found');
  });

  it.each([-1, 1.5, Number.NaN, '60000', Number.MAX_SAFE_INTEGER])(
    'refuses a grace period of %j, naming gracePeriodMs',
    async (grace) => {
      const { createKey, keygate } = setup();
      const { apiKey } = await createKey();
      const error = await expectKeygateError(
        keygate.keys.rotate(apiKey.id, { gracePeriodMs: grace as never }),
        'invalid_input',
      );
      expect(error.field).toBe('gracePeriodMs');
    },
  );

  it('leaves no new key behind when the store cannot write the rotation', async () => {
    const { createKey, keygate, store } = setup();
    const { apiKey } = await createKey({ owner: 'acct_f' });
    const realRotate = store.inner.rotate.bind(store.inner);
    let failed = false;
    vi.spyOn(store.inner, 'rotate').mockImplementation(async (rotation) => {
      if (rotation.id === apiKey.id && !failed) {
        failed = true;
        throw new Error('store down');
      }
      return realRotate(rotation);
    });
    await expect(keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR })).rejects.toThrow('store down');
    const { keys } = await keygate.keys.list('acct_f', { state: 'all' });
    expect(keys.find((k) => k.id === apiKey.id)).toMatchObject({ replacedBy: null, revokedAt: null });
    expect(keys.filter((k) => k.id !== apiKey.id && k.revokedAt === null)).toEqual([]);
  });

  it('mints one replacement when the same key is rotated twice at once', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ owner: 'acct_r' });
    const outcomes = await Promise.allSettled([
      keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }),
      keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await keygate.keys.list('acct_r', { state: 'all' })).keys).toHaveLength(2);
  });
});

describe('keys.rotate: events', () => {
  const context: RequestContext = { route: 'POST /admin/keys', ip: '192.0.2.9', userAgent: 'curl/8' };

  it('emits created for the new key and rotated, with replacedBy, for the old one', async () => {
    const { createKey, keygate, events } = withEvents();
    const { apiKey } = await createKey();
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR, context });
    expect(events.slice(1)).toEqual([
      { type: 'created', time: new Date(START), keyId: rotated.apiKey.id, owner: apiKey.owner, ...context },
      {
        type: 'rotated',
        time: new Date(START),
        keyId: apiKey.id,
        owner: apiKey.owner,
        replacedBy: rotated.apiKey.id,
        ...context,
      },
    ]);
  });
});
