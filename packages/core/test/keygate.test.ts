import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { isKeygateError } from '../src/errors.js';
import { hmacSha256Hasher } from '../src/hashing/hmac.js';
import { scryptHasher } from '../src/hashing/scrypt.js';
import { generateKey, parseKey } from '../src/key/format.js';
import { createKeygate } from '../src/keygate/create.js';
import type { KeygateOptions } from '../src/keygate/options.js';
import { MemoryStore } from '../src/stores/memory.js';
import { countingStore, keyFrom, setup } from './support/helpers.js';

const hasher = hmacSha256Hasher();

describe('createKeygate', () => {
  it('issues keys with the default prefix kg', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher });
    expect(keygate.prefix).toBe('kg');
    const { key } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(key.startsWith('kg_')).toBe(true);
    expect((await keygate.verify(key)).ok).toBe(true);
  });

  it('issues and accepts keys with a custom prefix', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher, prefix: 'sk_live' });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(parseKey(key)).toMatchObject({ ok: true, key: { prefix: 'sk_live', id: apiKey.id } });
    expect(apiKey.prefix).toBe('sk_live');
    expect((await keygate.verify(key)).ok).toBe(true);
  });

  it('answers invalid for a key of another prefix, with no store lookup', async () => {
    const { keygate, store, reset } = setup({ prefix: 'sk_live' });
    const { key } = await keygate.keys.create({ name: 'n', owner: 'o' });
    reset();
    const parsed = parseKey(key);
    if (!parsed.ok) throw new Error('unreachable');
    const sameIdOtherPrefix = keyFrom('sk_test', parsed.key.id, parsed.key.secret);
    expect(await keygate.verify(sameIdOtherPrefix)).toEqual({ ok: false, reason: 'invalid' });
    expect(await keygate.verify(generateKey('kg').key)).toEqual({ ok: false, reason: 'invalid' });
    expect(store.calls.findById).toBe(0);
  });

  it('accepts keys of every prefix in acceptedPrefixes while issuing keys of its own prefix', async () => {
    const store = new MemoryStore();
    const old = createKeygate({ store, hasher, prefix: 'sk_old' });
    const { key: oldKey } = await old.keys.create({ name: 'n', owner: 'o' });
    const keygate = createKeygate({ store, hasher, prefix: 'sk_new', acceptedPrefixes: ['sk_new', 'sk_old'] });
    const { key: newKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(newKey.startsWith('sk_new_')).toBe(true);
    expect((await keygate.verify(oldKey)).ok).toBe(true);
    expect((await keygate.verify(newKey)).ok).toBe(true);
    expect(await keygate.verify(generateKey('sk_other').key)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('answers invalid for a key presented under another accepted prefix than it was issued with', async () => {
    const store = new MemoryStore();
    const keygate = createKeygate({ store, hasher, prefix: 'sk_old', acceptedPrefixes: ['sk_new', 'sk_old'] });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    const parsed = parseKey(key);
    if (!parsed.ok) throw new Error('unreachable');
    const reprefixed = keyFrom('sk_new', apiKey.id, parsed.key.secret);
    expect(await keygate.verify(reprefixed)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('hashes new secrets with HMAC-SHA-256 by default', async () => {
    const store = countingStore(new MemoryStore());
    // lastUsed off: only a re-hash could write.
    const keygate = createKeygate({ store: store.store, lastUsed: false });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    const stored = (await store.inner.findById(apiKey.id))?.hash ?? '';
    expect(stored).toMatch(/^hmac-sha256\$none\$/);
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(store.calls.update).toBe(0);
  });

  it('still verifies a key hashed with scrypt by default, and re-hashes it with the default hasher', async () => {
    const store = countingStore(new MemoryStore());
    const old = createKeygate({ store: store.store, hasher: scryptHasher({ logN: 10 }), lastUsed: false });
    const { key, apiKey } = await old.keys.create({ name: 'n', owner: 'o' });
    const keygate = createKeygate({ store: store.store, lastUsed: false });
    expect((await keygate.verify(key)).ok).toBe(true);
    await vi.waitFor(async () => expect((await store.inner.findById(apiKey.id))?.hash).toMatch(/^hmac-sha256\$/));
    keygate.evict();
    expect((await keygate.verify(key)).ok).toBe(true);
  });

  it.each<[string, Partial<KeygateOptions>]>([
    ['no store', { store: undefined }],
    ['a store without findById', { store: {} as never }],
    ['an invalid prefix', { prefix: 'Live' }],
    ['an invalid accepted prefix', { acceptedPrefixes: ['kg', 'KG'] }],
    ['accepted prefixes given as a string', { acceptedPrefixes: 'kg' as never }],
    ['accepted prefixes without its own prefix', { prefix: 'sk_new', acceptedPrefixes: ['sk_old'] }],
    ['an empty list of accepted prefixes', { acceptedPrefixes: [] }],
    ['a negative cache size', { cache: { max: -1 } }],
    ['a fractional cache TTL', { cache: { ttlMs: 1.5 } }],
    ['a zero maxPerId', { failures: { maxPerId: 0 } }],
    ['a zero failure window', { failures: { windowMs: 0 } }],
    ['a zero maxConcurrent', { kdf: { maxConcurrent: 0 } }],
    ['a negative maxQueue', { kdf: { maxQueue: -1 } }],
    ['a string where a number belongs', { kdf: { maxQueue: '5' as never } }],
  ])('refuses %s at creation', (_label, overrides) => {
    let thrown: unknown;
    try {
      createKeygate({ store: new MemoryStore(), hasher, ...overrides } as KeygateOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isKeygateError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toMatch(/^invalid_(options|prefix)$/);
  });

  it('names the missing prefix when acceptedPrefixes leaves out its own', () => {
    expect(() =>
      createKeygate({ store: new MemoryStore(), hasher, prefix: 'sk_new', acceptedPrefixes: ['sk_old'] }),
    ).toThrowError(/`acceptedPrefixes` must include `prefix` \("sk_new"\)/);
  });

  it('refuses a missing options object', () => {
    expect(() => createKeygate(undefined as never)).toThrowError(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('returns a frozen instance', () => {
    expect(Object.isFrozen(createKeygate({ store: new MemoryStore(), hasher }))).toBe(true);
  });
});

describe('createKeygate option names', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('warns once with the closest known name for a misspelt top-level option', () => {
    const options = { store: new MemoryStore(), hasher, maxKeyPerOwner: 5 } as KeygateOptions;
    createKeygate(options);
    createKeygate(options);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'keygate: createKeygate(): unknown option `maxKeyPerOwner` (did you mean `maxKeysPerOwner`?); it is ignored.',
    );
  });

  it.each<[string, Partial<KeygateOptions>, string]>([
    ['cache', { cache: { ttl: 1000 } as never }, '`cache.ttl` (did you mean `cache.ttlMs`?)'],
    ['failures', { failures: { maxPerID: 3 } as never }, '`failures.maxPerID` (did you mean `failures.maxPerId`?)'],
    ['kdf', { kdf: { maxWait: 10 } as never }, '`kdf.maxWait` (did you mean `kdf.maxWaitMs`?)'],
    ['lastUsed', { lastUsed: { interval: 10 } as never }, '`lastUsed.interval` (did you mean `lastUsed.intervalMs`?)'],
  ])('warns with the path of a misspelt option in %s', (_, overrides, named) => {
    createKeygate({ store: new MemoryStore(), hasher, ...overrides } as KeygateOptions);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`unknown option ${named}`));
  });

  it('warns about nothing when every option name is known', () => {
    createKeygate({
      store: new MemoryStore(),
      prefix: 'kg',
      acceptedPrefixes: ['kg'],
      hasher,
      legacyHashers: [],
      cache: { max: 10, ttlMs: 10, connections: false },
      failures: { rememberMs: 1, maxPerId: 1, windowMs: 1, maxEntries: 1 },
      kdf: { maxConcurrent: 1, maxQueue: 1, maxQueuePerClient: 1, maxWaitMs: 1 },
      onRehashError: () => {},
      now: Date.now,
      onEvent: () => {},
      maxKeysPerOwner: 3,
      maxGracePeriodMs: 0,
      lastUsed: { intervalMs: 1, maxEntries: 1 },
      invalidation: undefined,
      onError: () => {},
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuses a nested option object that is not an object, naming it', () => {
    expect(() => createKeygate({ store: new MemoryStore(), hasher, failures: 5 as never })).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining('`failures`') }),
    );
  });

  it.each<[string, Partial<KeygateOptions>, string]>([
    ['a hasher without hash and verify', { hasher: {} as never }, '`hasher` must be a Hasher'],
    [
      'legacyHashers that are not an array',
      { legacyHashers: scryptHasher() as never },
      '`legacyHashers` must be an array',
    ],
    [
      'legacyHashers holding something else',
      { legacyHashers: ['scrypt'] as never },
      '`legacyHashers[0]` must be a Hasher',
    ],
  ])('refuses %s with invalid_options naming it', (_, overrides, message) => {
    expect(() => createKeygate({ store: new MemoryStore(), hasher, ...overrides })).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining(message) }),
    );
  });

  it('refuses a lastUsed interval of zero, naming it', () => {
    expect(() => createKeygate({ store: new MemoryStore(), hasher, lastUsed: { intervalMs: 0 } })).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining('`lastUsed.intervalMs`') }),
    );
  });
});
