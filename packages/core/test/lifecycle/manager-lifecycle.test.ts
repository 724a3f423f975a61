import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import type { AuditEvent, RequestContext } from '../../src/events.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { KdfLimiter } from '../../src/hashing/kdf-limiter.js';
import { parseKey } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { KeyManager } from '../../src/lifecycle/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { START, setup } from '../support/helpers.js';

const HOUR = 3_600_000;

async function thrownBy(action: () => Promise<unknown>): Promise<KeygateError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof KeygateError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function withEvents(options: Parameters<typeof setup>[0] = {}) {
  const events: AuditEvent[] = [];
  return { ...setup({ onEvent: (event) => events.push(event), ...options }), events };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('keys.create: rate limits and IP allowlists', () => {
  it('stores per-key rate limits as given', async () => {
    const { createKey, keygate } = setup();
    const rateLimits = [
      { name: 'burst', limit: 10, windowSeconds: 1 },
      { name: 'daily', limit: 10_000, windowSeconds: 86_400 },
    ];
    const { apiKey } = await createKey({ rateLimits });
    expect(apiKey.rateLimits).toEqual(rateLimits);
    expect((await keygate.keys.get(apiKey.id))?.rateLimits).toEqual(rateLimits);
  });

  it('accepts an empty rate-limit list, which exempts the key from the defaults', async () => {
    const { createKey } = setup();
    expect((await createKey({ rateLimits: [] })).apiKey.rateLimits).toEqual([]);
  });

  it.each([
    ['a list that is not an array', { name: 'x' }, 'rateLimits'],
    ['a policy that is not an object', ['burst'], 'rateLimits[0]'],
    ['a policy name starting with a dash', [{ name: '-burst', limit: 1, windowSeconds: 1 }], 'rateLimits[0].name'],
    ['a policy name over 64 characters', [{ name: 'a'.repeat(65), limit: 1, windowSeconds: 1 }], 'rateLimits[0].name'],
    ['a zero limit', [{ name: 'a', limit: 0, windowSeconds: 1 }], 'rateLimits[0].limit'],
    ['a fractional limit', [{ name: 'a', limit: 1.5, windowSeconds: 1 }], 'rateLimits[0].limit'],
    ['a zero window', [{ name: 'a', limit: 1, windowSeconds: 0 }], 'rateLimits[0].windowSeconds'],
    ['a window given as a string', [{ name: 'a', limit: 1, windowSeconds: '60' }], 'rateLimits[0].windowSeconds'],
    ['an unknown policy field', [{ name: 'a', limit: 1, windowSeconds: 1, burst: 2 }], 'rateLimits[0].burst'],
    [
      'a repeated policy name',
      [
        { name: 'a', limit: 1, windowSeconds: 1 },
        { name: 'a', limit: 2, windowSeconds: 2 },
      ],
      'rateLimits[1].name',
    ],
    [
      'more than 8 policies',
      Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, limit: 1, windowSeconds: 1 })),
      'rateLimits',
    ],
  ])('refuses rate limits with %s, naming the field', async (_, rateLimits, field) => {
    const { createKey } = setup();
    const error = await thrownBy(() => createKey({ rateLimits: rateLimits as never }));
    expect(error.code).toBe('invalid_input');
    expect(error.field).toBe(field);
  });

  it('normalises IP allowlist entries and drops duplicates', async () => {
    const { createKey } = setup();
    const { apiKey } = await createKey({
      allowedIps: [
        '203.0.113.7',
        '10.1.2.3/8',
        '2001:DB8:0:0:0:0:0:1',
        '2001:db8::1/128',
        '2001:db8:0:0:1:0:0:1',
        '2001:db8:abcd:12::/48',
        '::ffff:192.0.2.1',
        '203.0.113.7/32',
        '0.0.0.0/0',
      ],
    });
    expect(apiKey.allowedIps).toEqual([
      '203.0.113.7',
      '10.0.0.0/8',
      '2001:db8::1',
      '2001:db8::1:0:0:1',
      '2001:db8:abcd::/48',
      '::ffff:192.0.2.1',
      '0.0.0.0/0',
    ]);
  });

  it.each([
    ['a host name', 'example.com'],
    ['an incomplete IPv4 address', '10.0.0'],
    ['an IPv4 octet with a leading zero', '10.0.0.01'],
    ['an IPv4 prefix over 32', '10.0.0.0/33'],
    ['an IPv6 prefix over 128', '2001:db8::/129'],
    ['a prefix with a leading zero', '10.0.0.0/08'],
    ['an empty prefix', '10.0.0.0/'],
    ['an IPv6 zone id', 'fe80::1%eth0'],
    ['an empty string', ''],
  ])('refuses an allowlist entry that is %s', async (_, entry) => {
    const { createKey } = setup();
    const error = await thrownBy(() => createKey({ allowedIps: ['192.0.2.1', entry] }));
    expect(error.code).toBe('invalid_input');
    expect(error.field).toBe('allowedIps[1]');
  });

  it('refuses an allowlist of more than 64 entries', async () => {
    const { createKey } = setup();
    const allowedIps = Array.from({ length: 65 }, (_, i) => `192.0.2.${i}`);
    expect((await thrownBy(() => createKey({ allowedIps }))).field).toBe('allowedIps');
  });
});

describe('keys.create: expiry', () => {
  it('takes an expiry date', async () => {
    const { createKey } = setup();
    const expiresAt = new Date(START + HOUR);
    expect((await createKey({ expiresAt })).apiKey.expiresAt).toEqual(expiresAt);
  });

  it('takes a lifetime in milliseconds from now', async () => {
    const { createKey } = setup();
    expect((await createKey({ expiresIn: HOUR })).apiKey.expiresAt).toEqual(new Date(START + HOUR));
  });

  it('refuses a lifetime that overflows the date range, naming expiresIn', async () => {
    const { createKey } = setup();
    expect((await thrownBy(() => createKey({ expiresIn: Number.MAX_VALUE }))).field).toBe('expiresIn');
  });
});

describe('keys.create: cap on active keys per owner', () => {
  it('refuses a key beyond maxKeysPerOwner with limit_exceeded', async () => {
    const { createKey } = setup({ maxKeysPerOwner: 2 });
    await createKey();
    await createKey();
    expect((await thrownBy(() => createKey())).code).toBe('limit_exceeded');
  });

  it('counts keys per owner: another owner is not affected', async () => {
    const { createKey } = setup({ maxKeysPerOwner: 1 });
    await createKey({ owner: 'alice' });
    await expect(createKey({ owner: 'bob' })).resolves.toBeDefined();
  });

  it('does not count revoked keys', async () => {
    const { createKey, keygate } = setup({ maxKeysPerOwner: 1 });
    const first = await createKey();
    await keygate.keys.revoke(first.apiKey.id);
    await expect(createKey()).resolves.toBeDefined();
  });

  it('does not count expired keys', async () => {
    const { createKey, clock } = setup({ maxKeysPerOwner: 1 });
    await createKey({ expiresIn: 1000 });
    clock.advance(1000);
    await expect(createKey()).resolves.toBeDefined();
  });

  it('does not apply to rotation', async () => {
    const { createKey, keygate } = setup({ maxKeysPerOwner: 1 });
    const { apiKey } = await createKey();
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(rotated.apiKey.owner).toBe(apiKey.owner);
  });

  it.each([0, 1.5, '3', -1])('rejects maxKeysPerOwner %j with invalid_options', (maxKeysPerOwner) => {
    expect(() => createKeygate({ store: new MemoryStore(), maxKeysPerOwner: maxKeysPerOwner as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('keys.update', () => {
  it('changes name, scopes, metadata, rate limits and allowlist, and get shows the change', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ scopes: ['users:read'] });
    const patch = {
      name: 'renamed',
      scopes: ['users:write'],
      metadata: { team: 'ops' },
      rateLimits: [{ name: 'burst', limit: 5, windowSeconds: 1 }],
      allowedIps: ['192.0.2.0/24'],
    };
    const updated = await keygate.keys.update(apiKey.id, patch);
    expect(updated).toEqual({ ...apiKey, ...patch, version: 2 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(updated);
  });

  it('leaves fields that are not in the patch unchanged', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ scopes: ['users:read'], metadata: { a: 1 } });
    const updated = await keygate.keys.update(apiKey.id, { name: 'renamed' });
    expect(updated).toEqual({ ...apiKey, name: 'renamed', version: 2 });
  });

  it('sets an expiry from expiresIn and clears it with expiresAt null', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    expect((await keygate.keys.update(apiKey.id, { expiresIn: HOUR })).expiresAt).toEqual(new Date(START + HOUR));
    expect((await keygate.keys.update(apiKey.id, { expiresAt: null })).expiresAt).toBeNull();
  });

  it('clears per-key rate limits and the allowlist with null', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({
      rateLimits: [{ name: 'burst', limit: 1, windowSeconds: 1 }],
      allowedIps: ['192.0.2.1'],
    });
    const updated = await keygate.keys.update(apiKey.id, { rateLimits: null, allowedIps: null });
    expect(updated).toMatchObject({ rateLimits: null, allowedIps: null });
  });

  it('refuses to update a revoked key with conflict', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    expect((await thrownBy(() => keygate.keys.update(apiKey.id, { name: 'x' }))).code).toBe('conflict');
  });

  it('refuses to update a key that was replaced by rotation', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect((await thrownBy(() => keygate.keys.update(apiKey.id, { expiresAt: null }))).code).toBe('conflict');
  });

  it('refuses to update an expired key, which could otherwise be revived past the owner cap', async () => {
    const { createKey, keygate, clock } = setup();
    const { apiKey } = await createKey({ expiresIn: 1000 });
    clock.advance(1000);
    expect((await thrownBy(() => keygate.keys.update(apiKey.id, { expiresIn: HOUR }))).code).toBe('conflict');
  });

  it('answers not_found for an unknown id', async () => {
    const { keygate } = setup();
    expect((await thrownBy(() => keygate.keys.update('000000000000', { name: 'x' }))).code).toBe('not_found');
  });

  it('refuses an unknown field, naming it', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const error = await thrownBy(() => keygate.keys.update(apiKey.id, { owner: 'mallory' } as never));
    expect(error).toMatchObject({ code: 'invalid_input', field: 'owner' });
  });

  it('refuses an expiry in the past, naming expiresAt', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const error = await thrownBy(() => keygate.keys.update(apiKey.id, { expiresAt: new Date(START - 1) }));
    expect(error).toMatchObject({ code: 'invalid_input', field: 'expiresAt' });
  });

  it('drops the key from the verified-key cache, so new scopes apply at once', async () => {
    const { createKey, keygate } = setup();
    const { key, apiKey } = await createKey({ scopes: ['users:read'] });
    await keygate.verify(key);
    expect(runtimeOf(keygate).peek(key)).toBeDefined();
    await keygate.keys.update(apiKey.id, { scopes: ['users:write'] });
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(await keygate.verify(key)).toMatchObject({ ok: true, key: { scopes: ['users:write'] } });
  });

  it('makes no store write for an empty patch', async () => {
    const { createKey, keygate, store } = setup();
    const { apiKey } = await createKey();
    store.reset();
    expect(await keygate.keys.update(apiKey.id, {})).toEqual(apiKey);
    expect(store.calls.update).toBe(0);
  });
});

describe('keys.revoke', () => {
  it('records when the key was revoked, and verification rejects it at once', async () => {
    const { createKey, keygate, clock } = setup();
    const { key, apiKey } = await createKey();
    await keygate.verify(key);
    clock.advance(5000);
    expect((await keygate.keys.revoke(apiKey.id)).revokedAt).toEqual(new Date(START + 5000));
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });
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

  it('marks the old key replacedBy the new id', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const rotated = await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect(rotated.previous.replacedBy).toBe(rotated.apiKey.id);
    expect((await keygate.keys.get(apiKey.id))?.replacedBy).toBe(rotated.apiKey.id);
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

  it('gives a new key that verifies', async () => {
    const { createKey, keygate, clock } = setup();
    const old = await createKey();
    const rotated = await keygate.keys.rotate(old.apiKey.id, { gracePeriodMs: HOUR });
    expect(await keygate.verify(rotated.key)).toMatchObject({ ok: true, key: { id: rotated.apiKey.id } });
    clock.advance(2 * HOUR);
    expect(await keygate.verify(rotated.key)).toMatchObject({ ok: true });
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

  it('refuses a revoked key', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    expect((await thrownBy(() => keygate.keys.rotate(apiKey.id))).code).toBe('conflict');
  });

  it('refuses a key that was already rotated', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    expect((await thrownBy(() => keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }))).code).toBe('conflict');
  });

  it('refuses an expired key', async () => {
    const { createKey, keygate, clock } = setup();
    const { apiKey } = await createKey({ expiresIn: 1000 });
    clock.advance(1000);
    expect((await thrownBy(() => keygate.keys.rotate(apiKey.id))).code).toBe('conflict');
  });

  it('answers not_found for an unknown id', async () => {
    const { keygate } = setup();
    expect((await thrownBy(() => keygate.keys.rotate('000000000000'))).code).toBe('not_found');
  });

  it.each([-1, 1.5, Number.NaN, '60000', Number.MAX_SAFE_INTEGER])(
    'refuses a grace period of %j, naming gracePeriodMs',
    async (grace) => {
      const { createKey, keygate } = setup();
      const { apiKey } = await createKey();
      const error = await thrownBy(() => keygate.keys.rotate(apiKey.id, { gracePeriodMs: grace as never }));
      expect(error).toMatchObject({ code: 'invalid_input', field: 'gracePeriodMs' });
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

describe('lifecycle events', () => {
  const context: RequestContext = { route: 'POST /admin/keys', ip: '192.0.2.9', userAgent: 'curl/8' };

  it('emits created with the key id, owner, time and request context', async () => {
    const { createKey, keygate, events } = withEvents();
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'acct_e' }, { context });
    await createKey();
    expect(events[0]).toEqual({
      type: 'created',
      time: new Date(START),
      keyId: apiKey.id,
      owner: 'acct_e',
      ...context,
    });
  });

  it('fills the request context with nulls outside a request', async () => {
    const { createKey, events } = withEvents();
    await createKey();
    expect(events[0]).toMatchObject({ route: null, ip: null, userAgent: null });
  });

  it('emits updated, then revoked', async () => {
    const { createKey, keygate, events, clock } = withEvents();
    const { apiKey } = await createKey();
    clock.advance(1000);
    await keygate.keys.update(apiKey.id, { name: 'x' }, { context });
    clock.advance(1000);
    await keygate.keys.revoke(apiKey.id, { context });
    expect(events.slice(1)).toEqual([
      { type: 'updated', time: new Date(START + 1000), keyId: apiKey.id, owner: apiKey.owner, ...context },
      { type: 'revoked', time: new Date(START + 2000), keyId: apiKey.id, owner: apiKey.owner, ...context },
    ]);
  });

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

  it('emits nothing when revoking a key that was already revoked', async () => {
    const { createKey, keygate, events } = withEvents();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await keygate.keys.revoke(apiKey.id);
    expect(events.map((e) => e.type)).toEqual(['created', 'revoked']);
  });

  it('emits nothing for a refused operation', async () => {
    const { createKey, keygate, events } = withEvents({ maxKeysPerOwner: 1 });
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await thrownBy(() => keygate.keys.update(apiKey.id, { name: 'x' }));
    await thrownBy(() => keygate.keys.rotate(apiKey.id));
    await createKey();
    await thrownBy(() => createKey());
    expect(events.map((e) => e.type)).toEqual(['created', 'revoked', 'created']);
  });

  it('never carries a key, a secret or a hash', async () => {
    const { createKey, keygate, events, store } = withEvents();
    const created = await createKey();
    const rotated = await keygate.keys.rotate(created.apiKey.id, { gracePeriodMs: HOUR });
    await keygate.keys.update(rotated.apiKey.id, { name: 'x' });
    await keygate.keys.revoke(rotated.apiKey.id);
    const text = JSON.stringify(events);
    for (const { key, apiKey } of [created, rotated]) {
      const parsed = parseKey(key);
      if (!parsed.ok) throw new Error('unreachable');
      const record = await store.inner.findById(apiKey.id);
      expect(text).not.toContain(key);
      expect(text).not.toContain(parsed.key.secret);
      expect(text).not.toContain(record?.hash);
    }
    expect(events).toHaveLength(5);
  });

  it('completes the operation when the listener throws, and logs the failure', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { createKey, keygate } = setup({
      onEvent: () => {
        throw new Error('listener broke');
      },
    });
    const { key, apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(logged).toHaveBeenCalledTimes(2);
  });

  it('completes the operation when an async listener rejects', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { createKey } = setup({ onEvent: (async () => Promise.reject(new Error('later'))) as never });
    await expect(createKey()).resolves.toBeDefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('rejects an onEvent that is not a function with invalid_options', () => {
    expect(() => createKeygate({ store: new MemoryStore(), onEvent: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('cache invalidation', () => {
  it('reports every changed key id to invalidate: update, rotate and revoke', async () => {
    const invalidated: string[] = [];
    const keys = new KeyManager({
      store: new MemoryStore(),
      prefix: 'kg',
      hasher: hmacSha256Hasher(),
      kdf: new KdfLimiter({ maxConcurrent: 1, maxQueue: 10, maxQueuePerClient: 10, maxWaitMs: 1000 }),
      now: () => START,
      invalidate: (id) => invalidated.push(id),
      maxGracePeriodMs: 7 * 86_400_000,
    });
    const a = await keys.create({ name: 'a', owner: 'o' });
    const b = await keys.create({ name: 'b', owner: 'o' });
    expect(invalidated).toEqual([]);
    await keys.update(a.apiKey.id, { name: 'a2' });
    expect(invalidated).toContain(a.apiKey.id);
    invalidated.length = 0;
    await keys.rotate(a.apiKey.id, { gracePeriodMs: HOUR });
    expect(invalidated).toContain(a.apiKey.id);
    invalidated.length = 0;
    await keys.revoke(b.apiKey.id);
    expect(invalidated).toContain(b.apiKey.id);
  });
});
