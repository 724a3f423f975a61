import { describe, expect, it } from 'vitest';
import { isKeygateError, KeygateError } from '../../src/errors.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { parseKey } from '../../src/key/format.js';
import type { KeyRecord } from '../../src/key/record.js';
import { createKeygate } from '../../src/keygate/create.js';
import type { CreateKeyInput } from '../../src/lifecycle/input.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { KeyStore } from '../../src/stores/store.js';
import { countingStore, START, setup } from '../support/helpers.js';

async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('keys.create', () => {
  it('returns the plaintext key with public metadata that holds no hash', async () => {
    const { createKey } = setup();
    const created = await createKey({ name: 'CI deploy', owner: 'acct_7', scopes: ['deploy:write'] });
    expect(parseKey(created.key)).toMatchObject({ ok: true, key: { prefix: 'kg', id: created.apiKey.id } });
    expect(created.apiKey).toEqual({
      id: created.apiKey.id,
      prefix: 'kg',
      name: 'CI deploy',
      owner: 'acct_7',
      scopes: ['deploy:write'],
      metadata: {},
      createdAt: new Date(START),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      rateLimits: null,
      allowedIps: null,
      replacedBy: null,
      lineage: created.apiKey.id,
      version: 1,
    });
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

  it('sets expiresAt from expiresIn on the injected clock', async () => {
    const { createKey } = setup();
    const { apiKey } = await createKey({ expiresIn: 3_600_000 });
    expect(apiKey.expiresAt).toEqual(new Date(START + 3_600_000));
  });

  it('keeps a future expiresAt and copies it', async () => {
    const { createKey } = setup();
    const at = new Date(START + 1000);
    const { apiKey } = await createKey({ expiresAt: at });
    at.setTime(0);
    expect(apiKey.expiresAt).toEqual(new Date(START + 1000));
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
    const error = await thrownBy(() => keygate.keys.create(input as CreateKeyInput));
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
    expect(isKeygateError(await thrownBy(() => keygate.keys.create({ name: 'n', owner: 'o' })), 'conflict')).toBe(true);
  });

  it('passes other store errors through without retrying', async () => {
    const { keygate, store } = setup();
    const failure = new Error('disk full');
    store.failWith(failure);
    expect(await thrownBy(() => keygate.keys.create({ name: 'n', owner: 'o' }))).toBe(failure);
    expect(store.calls.create).toBe(1);
  });
});

describe('keys.get and keys.list', () => {
  it('get returns a key’s public metadata, or null for an unknown id', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    expect(await keygate.keys.get(apiKey.id)).toEqual(apiKey);
    expect(await keygate.keys.get('000000000000')).toBeNull();
  });

  it('list returns one owner’s keys, oldest first, without hashes', async () => {
    const { keygate, clock, createKey } = setup();
    const first = await createKey({ owner: 'alice', name: 'first' });
    clock.advance(1000);
    await createKey({ owner: 'bob' });
    clock.advance(1000);
    const second = await createKey({ owner: 'alice', name: 'second' });
    const { keys: listed, nextCursor } = await keygate.keys.list('alice');
    expect(nextCursor).toBeNull();
    expect(listed).toEqual([first.apiKey, second.apiKey]);
    expect(listed.some((k) => 'hash' in k)).toBe(false);
    expect(await keygate.keys.list('nobody')).toEqual({ keys: [], nextCursor: null });
  });
});

describe('keys.revoke', () => {
  it('marks the key revoked at the current time and returns it', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    clock.advance(5000);
    const revoked = await keygate.keys.revoke(apiKey.id);
    expect(revoked).toEqual({ ...apiKey, revokedAt: new Date(START + 5000), version: 2 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(revoked);
  });

  it('is idempotent and keeps the first revocation time', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    const first = await keygate.keys.revoke(apiKey.id);
    clock.advance(5000);
    expect(await keygate.keys.revoke(apiKey.id)).toEqual(first);
  });

  it('throws not_found for an unknown id', async () => {
    const { keygate } = setup();
    expect(isKeygateError(await thrownBy(() => keygate.keys.revoke('000000000000')), 'not_found')).toBe(true);
  });
});
