// KeyManager.create (keygate.keys.create): what a new key holds, what is refused, and what the store sees.
import { describe, expect, it } from 'vitest';
import { isKeygateError, KeygateError } from '../../src/errors.js';
import type { RequestContext } from '../../src/events.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { parseKey } from '../../src/key/format.js';
import type { KeyRecord } from '../../src/key/record.js';
import { createKeygate } from '../../src/keygate/create.js';
import type { CreateKeyInput } from '../../src/lifecycle/input.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { KeyStore } from '../../src/stores/store.js';
import {
  apiKeyWith,
  bareManager,
  countingStore,
  expectKeygateError,
  START,
  setup,
  withEvents,
} from '../support/helpers.js';

const HOUR = 3_600_000;

describe('keys.create', () => {
  it('returns the plaintext key with public metadata that holds no hash', async () => {
    const { createKey } = setup();
    const created = await createKey({ name: 'CI deploy', owner: 'acct_7', scopes: ['deploy:write'] });
    expect(parseKey(created.key)).toMatchObject({ ok: true, key: { prefix: 'kg', id: created.apiKey.id } });
    // Every other field as a new key has it: no metadata, version 1, its own lineage, the rest null.
    expect(created.apiKey).toEqual(
      apiKeyWith({
        id: created.apiKey.id,
        prefix: 'kg',
        name: 'CI deploy',
        owner: 'acct_7',
        scopes: ['deploy:write'],
        createdAt: new Date(START),
      }),
    );
    expect('hash' in created.apiKey).toBe(false);
    expect(Object.isFrozen(created.apiKey)).toBe(true);
  });

  it('hands the plaintext out once and never stores it: the store holds only a hash without the secret', async () => {
    const written: KeyRecord[] = [];
    const store = countingStore(new MemoryStore());
    const spying: KeyStore = {
      ...store.store,
      create: (record, options) => {
        written.push(structuredClone(record));
        return store.store.create(record, options);
      },
    };
    const hasher = hmacSha256Hasher();
    const keygate = createKeygate({ store: spying, hasher });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    const parsed = parseKey(key);
    if (!parsed.ok) throw new Error('unreachable');
    const stored = await store.inner.findById(apiKey.id);

    for (const record of [...written, stored]) {
      const json = JSON.stringify(record);
      expect(json).not.toContain(parsed.key.secret);
      expect(json).not.toContain(key);
      expect(await hasher.verify(parsed.key.secret, record?.hash ?? '')).toBe(true);
    }
    expect(written).toHaveLength(1);
    expect(JSON.stringify(await keygate.keys.get(apiKey.id))).not.toContain(parsed.key.secret);
  });

  it('drops duplicate scopes and keeps wildcard grants', async () => {
    const { createKey } = setup();
    const { apiKey } = await createKey({ scopes: ['users:read', 'users:*', 'users:read', '*'] });
    expect(apiKey.scopes).toEqual(['users:read', 'users:*', '*']);
  });

  it('keeps non-ASCII metadata and text, surrogate pairs included', async () => {
    const { keygate, createKey } = setup();
    // 'a\\u0000b' is a backslash and five letters, not a NUL: it is kept.
    const metadata = { clé: 'naïve café 🎉', list: ['日本語', 'a\\u0000b'] };
    const { apiKey } = await createKey({ name: 'Zoë 🎉', metadata });
    const stored = await keygate.keys.get(apiKey.id);
    expect(stored?.name).toBe('Zoë 🎉');
    expect(stored?.metadata).toEqual(metadata);
  });

  it('stores a copy of metadata, not the caller’s object', async () => {
    const { keygate, createKey } = setup();
    const metadata = { plan: 'pro', limits: { seats: 3 } };
    const { apiKey } = await createKey({ metadata });
    metadata.limits.seats = 99;
    expect((await keygate.keys.get(apiKey.id))?.metadata).toEqual({ plan: 'pro', limits: { seats: 3 } });
  });

  it.each<[string, unknown, string]>([
    ['a null input', null, 'invalid_input'],
    ['an empty name', { name: '', owner: 'o' }, 'invalid_input'],
    ['a name with a control character', { name: 'a\nb', owner: 'o' }, 'invalid_input'],
    ['a name over 128 characters', { name: 'n'.repeat(129), owner: 'o' }, 'invalid_input'],
    ['a missing owner', { name: 'n' }, 'invalid_input'],
    ['an owner over 256 characters', { name: 'n', owner: 'o'.repeat(257) }, 'invalid_input'],
    ['scopes that are not an array', { name: 'n', owner: 'o', scopes: 'users:read' }, 'invalid_input'],
    [
      'more than 64 scopes',
      { name: 'n', owner: 'o', scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) },
      'invalid_input',
    ],
    ['an invalid scope', { name: 'n', owner: 'o', scopes: ['Users:Read'] }, 'invalid_scope'],
    ['a wildcard in the middle of a scope', { name: 'n', owner: 'o', scopes: ['users:*:read'] }, 'invalid_scope'],
    ['metadata that is an array', { name: 'n', owner: 'o', metadata: [] }, 'invalid_input'],
    ['metadata that is not JSON-serialisable', { name: 'n', owner: 'o', metadata: { n: 1n } }, 'invalid_input'],
    ['metadata over 8 KiB', { name: 'n', owner: 'o', metadata: { blob: 'x'.repeat(8192) } }, 'invalid_input'],
    ['a NUL character in a metadata string', { name: 'n', owner: 'o', metadata: { a: ['x\u0000y'] } }, 'invalid_input'],
    [
      'a NUL character in a metadata key',
      { name: 'n', owner: 'o', metadata: { nested: { 'a\u0000': 1 } } },
      'invalid_input',
    ],
    ['an unpaired surrogate in metadata', { name: 'n', owner: 'o', metadata: { a: 'x\ud800' } }, 'invalid_input'],
    ['an unpaired surrogate in a name', { name: 'n\udc00', owner: 'o' }, 'invalid_input'],
    ['an expiresAt in the past', { name: 'n', owner: 'o', expiresAt: new Date(START - 1) }, 'invalid_input'],
    ['an expiresAt equal to now', { name: 'n', owner: 'o', expiresAt: new Date(START) }, 'invalid_input'],
    ['an invalid expiresAt', { name: 'n', owner: 'o', expiresAt: new Date(Number.NaN) }, 'invalid_input'],
    ['an expiresAt that is not a Date', { name: 'n', owner: 'o', expiresAt: '2030-01-01' }, 'invalid_input'],
    [
      'both expiresAt and expiresIn',
      { name: 'n', owner: 'o', expiresAt: new Date(START + 5), expiresIn: 5 },
      'invalid_input',
    ],
    ['a zero expiresIn', { name: 'n', owner: 'o', expiresIn: 0 }, 'invalid_input'],
    ['an infinite expiresIn', { name: 'n', owner: 'o', expiresIn: Number.POSITIVE_INFINITY }, 'invalid_input'],
  ])('refuses %s with %s and writes nothing', async (_label, input, code) => {
    const { keygate, store, hasher } = setup();
    const error = await keygate.keys.create(input as CreateKeyInput).catch((e: unknown) => e);
    expect(isKeygateError(error, code as 'invalid_input')).toBe(true);
    expect(store.calls.create).toBe(0);
    expect(hasher.calls.hash).toBe(0);
  });

  it('retries with a fresh id when the store reports an id conflict', async () => {
    const store = countingStore(new MemoryStore());
    let conflicts = 2;
    const ids: string[] = [];
    const keygate = createKeygate({
      hasher: hmacSha256Hasher(),
      store: {
        ...store.store,
        create: (record, options) => {
          ids.push(record.id);
          if (conflicts-- > 0)
            return Promise.reject(new KeygateError('conflict', 'A key with that id already exists.'));
          return store.store.create(record, options);
        },
      },
    });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(new Set(ids).size).toBe(3);
    expect(apiKey.id).toBe(ids[2]);
    expect((await keygate.verify(key)).ok).toBe(true);
  });

  it('gives up after three id conflicts', async () => {
    const keygate = createKeygate({
      hasher: hmacSha256Hasher(),
      store: {
        ...countingStore(new MemoryStore()).store,
        create: () => Promise.reject(new KeygateError('conflict', 'A key with that id already exists.')),
      },
    });
    await expectKeygateError(keygate.keys.create({ name: 'n', owner: 'o' }), 'conflict');
  });

  it('passes other store errors through without retrying', async () => {
    const { keygate, store } = setup();
    const failure = new Error('disk full');
    store.failWith(failure);
    await expect(keygate.keys.create({ name: 'n', owner: 'o' })).rejects.toBe(failure);
    expect(store.calls.create).toBe(1);
  });

  it('asks to invalidate no cached key', async () => {
    const { keys, invalidated } = bareManager();
    await keys.create({ name: 'a', owner: 'o' });
    await keys.create({ name: 'b', owner: 'o' });
    expect(invalidated).toEqual([]);
  });
});

describe('keys.create: expiry', () => {
  it('takes an expiry date', async () => {
    const { createKey } = setup();
    const expiresAt = new Date(START + HOUR);
    expect((await createKey({ expiresAt })).apiKey.expiresAt).toEqual(expiresAt);
  });

  it('keeps a copy of the expiry date: changing the caller’s Date afterwards changes nothing', async () => {
    const { createKey } = setup();
    const at = new Date(START + 1000);
    const { apiKey } = await createKey({ expiresAt: at });
    at.setTime(0);
    expect(apiKey.expiresAt).toEqual(new Date(START + 1000));
  });

  it('takes a lifetime in milliseconds from now, on the injected clock', async () => {
    const { createKey } = setup();
    expect((await createKey({ expiresIn: HOUR })).apiKey.expiresAt).toEqual(new Date(START + HOUR));
  });

  it('refuses a lifetime that overflows the date range, naming expiresIn', async () => {
    const { createKey } = setup();
    expect((await expectKeygateError(createKey({ expiresIn: Number.MAX_VALUE }), 'invalid_input')).field).toBe(
      'expiresIn',
    );
  });
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
    const error = await expectKeygateError(createKey({ rateLimits: rateLimits as never }), 'invalid_input');
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
    const error = await expectKeygateError(createKey({ allowedIps: ['192.0.2.1', entry] }), 'invalid_input');
    expect(error.field).toBe('allowedIps[1]');
  });

  it('refuses an allowlist of more than 64 entries', async () => {
    const { createKey } = setup();
    const allowedIps = Array.from({ length: 65 }, (_, i) => `192.0.2.${i}`);
    expect((await expectKeygateError(createKey({ allowedIps }), 'invalid_input')).field).toBe('allowedIps');
  });
});

describe('keys.create: cap on active keys per owner', () => {
  it('refuses a key beyond maxKeysPerOwner with limit_exceeded', async () => {
    const { createKey } = setup({ maxKeysPerOwner: 2 });
    await createKey();
    await createKey();
    await expectKeygateError(createKey(), 'limit_exceeded');
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

  it.each([0, 1.5, '3', -1])('rejects maxKeysPerOwner %j with invalid_options', (maxKeysPerOwner) => {
    expect(() => createKeygate({ store: new MemoryStore(), maxKeysPerOwner: maxKeysPerOwner as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('keys.create: events', () => {
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
});
