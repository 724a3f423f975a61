import { describe, expect, it, vi } from 'vitest';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { scryptHasher } from '../../src/hashing/scrypt.js';
import { generateKey, KEY_CHECKSUM_LENGTH, MAX_KEY_LENGTH } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { countingStore, flush, keyFrom, mutateAt, setup } from '../support/helpers.js';

const wrongSecret = () => generateKey('kg').secret;

describe('verify', () => {
  it('accepts a valid key and returns its public metadata, without the hash', async () => {
    const { keygate, createKey } = setup();
    const created = await createKey({ scopes: ['users:read'], metadata: { plan: 'pro' } });
    const result = await keygate.verify(created.key);
    expect(result).toEqual({ ok: true, key: created.apiKey });
    expect(result.ok && 'hash' in result.key).toBe(false);
    expect(result.ok && Object.isFrozen(result.key)).toBe(true);
  });

  it('rejects a mistyped, truncated or invented key with no store lookup and no hashing', async () => {
    const { keygate, store, hasher, createKey, reset } = setup();
    const { key, apiKey } = await createKey();
    reset();
    const mistyped = mutateAt(key, key.length - KEY_CHECKSUM_LENGTH - 10);
    const truncated = key.slice(0, -1);
    const invented = `kg_${apiKey.id}_${'x'.repeat(49)}`;
    const otherPrefix = keyFrom('sk', apiKey.id, wrongSecret());
    expect(await keygate.verify(mistyped)).toEqual({ ok: false, reason: 'invalid' });
    expect(await keygate.verify(truncated)).toEqual({ ok: false, reason: 'malformed' });
    expect(await keygate.verify(invented)).toEqual({ ok: false, reason: 'invalid' });
    expect(await keygate.verify(otherPrefix)).toEqual({ ok: false, reason: 'invalid' });
    expect(store.calls.findById).toBe(0);
    expect(hasher.calls.verify).toBe(0);
  });

  it('answers malformed for oversized and non-string input without a lookup and without throwing', async () => {
    const { keygate, store, hasher } = setup();
    const inputs: unknown[] = ['k'.repeat(MAX_KEY_LENGTH + 1), 'x'.repeat(10_000_000), '', undefined, null, 42, {}];
    for (const input of inputs) {
      expect(await keygate.verify(input as string)).toEqual({ ok: false, reason: 'malformed' });
      expect(runtimeOf(keygate).peek(input as string)).toBeUndefined();
    }
    expect(store.calls.findById).toBe(0);
    expect(hasher.calls.verify).toBe(0);
  });

  it('a valid key reads the store once per cache TTL and pays the KDF once, while its stored hash stays', async () => {
    const { keygate, hasher, store, clock, createKey, reset } = setup({ cache: { ttlMs: 60_000 } });
    const { key } = await createKey();
    reset();
    for (let i = 0; i < 50; i++) expect((await keygate.verify(key)).ok).toBe(true);
    expect([hasher.calls.verify, store.calls.findById]).toEqual([1, 1]);
    clock.advance(59_999);
    expect((await keygate.verify(key)).ok).toBe(true);
    expect([hasher.calls.verify, store.calls.findById]).toEqual([1, 1]);
    for (let minute = 1; minute <= 5; minute++) {
      clock.advance(60_000);
      expect((await keygate.verify(key)).ok).toBe(true);
      expect([hasher.calls.verify, store.calls.findById]).toEqual([1, 1 + minute]);
    }
  });

  it('hashes a cached key again when its stored hash changed since it was checked', async () => {
    const { keygate, hasher, store, clock, createKey, reset } = setup({ cache: { ttlMs: 60_000 } });
    const { key, apiKey } = await createKey();
    await keygate.verify(key);
    await store.inner.update(apiKey.id, { hash: await hmacSha256Hasher().hash('another secret') });
    reset();
    clock.advance(60_000);
    expect((await keygate.verify(key)).ok).toBe(false);
    expect(hasher.calls.verify).toBe(1);
  });

  it('applies a revocation made elsewhere when a cached key is refreshed, without hashing', async () => {
    const { keygate, hasher, store, clock, createKey, reset } = setup({ cache: { ttlMs: 60_000 } });
    const { key, apiKey } = await createKey();
    await keygate.verify(key);
    await store.inner.update(apiKey.id, { revokedAt: new Date(clock.now()) });
    reset();
    expect((await keygate.verify(key)).ok).toBe(true);
    clock.advance(60_000);
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(hasher.calls.verify).toBe(0);
  });

  it('concurrent verifications of one uncached key share one hash computation', async () => {
    const { keygate, store, hasher, createKey, reset } = setup();
    const { key } = await createKey();
    reset();
    const results = await Promise.all(Array.from({ length: 25 }, () => keygate.verify(key)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(hasher.calls.verify).toBe(1);
    expect(store.calls.findById).toBe(1);
  });

  it('hashes on every request when the cache is turned off', async () => {
    const { keygate, hasher, createKey, reset } = setup({ cache: false });
    const { key } = await createKey();
    reset();
    for (let i = 0; i < 3; i++) expect((await keygate.verify(key)).ok).toBe(true);
    expect(hasher.calls.verify).toBe(3);
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
  });

  it('peek answers from the cache only, with no I/O', async () => {
    const { keygate, store, createKey, reset } = setup();
    const { key, apiKey } = await createKey();
    reset();
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(store.calls.findById).toBe(0);
    await keygate.verify(key);
    expect(runtimeOf(keygate).peek(key)).toEqual({ ok: true, key: apiKey });
    expect(store.calls.findById).toBe(1);
  });

  it('revoking through keys.revoke evicts the key at once on this instance', async () => {
    const { keygate, createKey } = setup({ cache: { ttlMs: 3_600_000 } });
    const { key, apiKey } = await createKey();
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(runtimeOf(keygate).peek(key)?.ok).toBe(true);
    await keygate.keys.revoke(apiKey.id);
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'revoked', keyId: apiKey.id });
  });

  it('a revoke that lands while a verification is in flight does not leave the key cached', async () => {
    const { keygate, hasher, createKey } = setup({ cache: { ttlMs: 3_600_000 } });
    const { key, apiKey } = await createKey();
    const release = hasher.hold();
    const inFlight = keygate.verify(key);
    await hasher.running(1);
    await keygate.keys.revoke(apiKey.id);
    release();
    await inFlight;
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'revoked', keyId: apiKey.id });
  });

  it('a verification begun after a revoke does not reuse one begun before it', async () => {
    const { keygate, hasher, createKey } = setup();
    const { key, apiKey } = await createKey();
    const release = hasher.hold();
    const before = keygate.verify(key);
    await hasher.running(1);
    await keygate.keys.revoke(apiKey.id);
    const after = keygate.verify(key);
    release();
    await before;
    expect(await after).toEqual({ ok: false, reason: 'revoked', keyId: apiKey.id });
  });

  it('revoking a key evicts it even after cache pressure has reordered the cache', async () => {
    const { keygate, createKey } = setup({ cache: { max: 2, ttlMs: 3_600_000 } });
    const a = await createKey();
    const b = await createKey();
    const c = await createKey();
    await keygate.verify(a.key);
    await keygate.verify(b.key);
    await keygate.verify(a.key); // a cache hit: a is now the most recently used key
    await keygate.verify(c.key); // evicts b, the least recently used
    expect(runtimeOf(keygate).peek(a.key)?.ok).toBe(true);
    await keygate.keys.revoke(a.apiKey.id);
    expect(await keygate.verify(a.key)).toEqual({ ok: false, reason: 'revoked', keyId: a.apiKey.id });
  });

  it('keeps no more than cache.max keys cached', async () => {
    const { keygate, createKey } = setup({ cache: { max: 2 } });
    const keys = [await createKey(), await createKey(), await createKey()];
    for (const { key } of keys) await keygate.verify(key);
    expect(keys.map(({ key }) => runtimeOf(keygate).peek(key) !== undefined)).toEqual([false, true, true]);
  });

  it('evict(id) drops one key from the cache and evict() drops them all', async () => {
    const { keygate, createKey } = setup();
    const a = await createKey();
    const b = await createKey();
    const c = await createKey();
    for (const { key } of [a, b, c]) await keygate.verify(key);
    keygate.evict(a.apiKey.id);
    expect(runtimeOf(keygate).peek(a.key)).toBeUndefined();
    expect(runtimeOf(keygate).peek(b.key)?.ok).toBe(true);
    keygate.evict();
    expect(runtimeOf(keygate).peek(b.key)).toBeUndefined();
    expect(runtimeOf(keygate).peek(c.key)).toBeUndefined();
  });

  it('expired keys give expired once the clock passes their expiry, even when cached', async () => {
    const { keygate, hasher, clock, createKey, reset } = setup({ cache: { ttlMs: 3_600_000 } });
    const { key, apiKey } = await createKey({ expiresIn: 60_000 });
    reset();
    clock.advance(59_999);
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(runtimeOf(keygate).peek(key)?.ok).toBe(true);
    clock.advance(1);
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'expired', keyId: apiKey.id });
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(hasher.calls.verify).toBe(1);
  });

  it('refuses revoked and expired keys before any hashing', async () => {
    const { keygate, hasher, clock, createKey, reset } = setup();
    const revoked = await createKey();
    const expiring = await createKey({ expiresIn: 1000 });
    await keygate.keys.revoke(revoked.apiKey.id);
    clock.advance(1000);
    reset();
    expect(await keygate.verify(revoked.key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await keygate.verify(expiring.key)).toMatchObject({ ok: false, reason: 'expired' });
    expect(hasher.calls.verify).toBe(0);
  });

  it('an unknown id and a wrong secret give the same invalid', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    const unknownId = await keygate.verify(keyFrom('kg', generateKey('kg').id, wrongSecret()));
    const wrong = await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()));
    expect(unknownId).toMatchObject({ ok: false, reason: 'invalid' });
    expect(wrong).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('lets store errors propagate rather than answering invalid', async () => {
    const { keygate, store, createKey } = setup();
    const { key } = await createKey();
    const failure = new Error('store down');
    store.failWith(failure);
    await expect(keygate.verify(key)).rejects.toBe(failure);
    store.failWith(undefined);
    expect((await keygate.verify(key)).ok).toBe(true);
  });
});

describe('bounds on hashing caused by wrong keys', () => {
  it('after failures.maxPerId wrong secrets the id answers busy without hashing until the window passes', async () => {
    const { keygate, hasher, clock, createKey, reset } = setup({ failures: { maxPerId: 3, windowMs: 10_000 } });
    const { key, apiKey } = await createKey();
    reset();
    for (let i = 0; i < 3; i++) {
      expect(await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))).toMatchObject({ reason: 'invalid' });
    }
    expect(hasher.calls.verify).toBe(3);
    clock.advance(4000);
    for (let i = 0; i < 20; i++) {
      expect(await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))).toEqual({
        ok: false,
        reason: 'busy',
        keyId: apiKey.id,
        retryAfterMs: 6000,
      });
    }
    // The id is throttled as a whole: its uncached valid key waits too.
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'busy' });
    expect(hasher.calls.verify).toBe(3);
    clock.advance(6000);
    expect(await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))).toMatchObject({ reason: 'invalid' });
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(hasher.calls.verify).toBe(5);
  });

  it('a cached valid key keeps working while its id is throttled', async () => {
    const { keygate, createKey } = setup({ failures: { maxPerId: 2 } });
    const { key, apiKey } = await createKey();
    expect((await keygate.verify(key)).ok).toBe(true);
    for (let i = 0; i < 5; i++) await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()));
    expect(await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))).toMatchObject({ reason: 'busy' });
    expect((await keygate.verify(key)).ok).toBe(true);
  });

  it('an identical wrong key repeated costs no hashing and no store lookup', async () => {
    const { keygate, store, hasher, clock, createKey, reset } = setup({
      failures: { rememberMs: 30_000, maxPerId: 3 },
    });
    const { apiKey } = await createKey();
    const wrong = keyFrom('kg', apiKey.id, wrongSecret());
    reset();
    for (let i = 0; i < 100; i++) expect(await keygate.verify(wrong)).toMatchObject({ reason: 'invalid' });
    expect(hasher.calls.verify).toBe(1);
    expect(store.calls.findById).toBe(1);
    // Repeats do not count against the id: other wrong secrets still get their hash.
    expect(await keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))).toMatchObject({ reason: 'invalid' });
    expect(hasher.calls.verify).toBe(2);
    clock.advance(30_000);
    await keygate.verify(wrong);
    expect(hasher.calls.verify).toBe(3);
  });

  it('an unknown id is remembered too, so repeating it costs no store lookup', async () => {
    const { keygate, store } = setup();
    const invented = keyFrom('kg', generateKey('kg').id, wrongSecret());
    for (let i = 0; i < 10; i++) await keygate.verify(invented);
    expect(store.calls.findById).toBe(1);
  });

  it('concurrent wrong secrets for one id never run more hashes than failures.maxPerId', async () => {
    const { keygate, hasher, createKey, reset } = setup({
      failures: { maxPerId: 3 },
      kdf: { maxConcurrent: 8, maxQueue: 100 },
    });
    const { apiKey } = await createKey();
    reset();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => keygate.verify(keyFrom('kg', apiKey.id, wrongSecret()))),
    );
    expect(hasher.calls.verify).toBe(3);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'busy')).toHaveLength(27);
  });

  it('concurrent KDF work never exceeds kdf.maxConcurrent and a client’s overflow beyond kdf.maxQueue answers busy', async () => {
    const { keygate, hasher, createKey, reset } = setup({ kdf: { maxConcurrent: 2, maxQueue: 3 } });
    const created = [];
    for (let i = 0; i < 10; i++) created.push(await createKey());
    reset();
    const release = hasher.hold();
    const pending = created.map(({ key }) => keygate.verify(key, { client: '203.0.113.9' }));
    await hasher.running(2);
    await flush();
    expect(hasher.stats.active).toBe(2);
    release();
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === 'busy')).toHaveLength(5);
    expect(results.find((r) => !r.ok)).toMatchObject({ retryAfterMs: 1000 });
    expect(hasher.stats.peak).toBe(2);
    expect(hasher.calls.verify).toBe(5);
  });

  it('lets the application’s own verifications (no client) wait for a slot without bound', async () => {
    const { keygate, hasher, createKey, reset } = setup({ kdf: { maxConcurrent: 1, maxQueue: 0 } });
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createKey());
    reset();
    const results = await Promise.all(created.map(({ key }) => keygate.verify(key)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(hasher.stats.peak).toBe(1);
  });
});

describe('re-hashing', () => {
  it('a stored hash written with other scrypt params still verifies and is transparently re-hashed to current params', async () => {
    const store = countingStore(new MemoryStore());
    const old = createKeygate({ store: store.store, hasher: scryptHasher({ logN: 4 }) });
    const { key, apiKey } = await old.keys.create({ name: 'legacy', owner: 'acct_1' });
    const current = scryptHasher({ logN: 5 });
    expect(current.needsRehash((await store.inner.findById(apiKey.id))?.hash ?? '')).toBe(true);

    const keygate = createKeygate({ store: store.store, hasher: current, lastUsed: false });
    expect((await keygate.verify(key)).ok).toBe(true);
    while (store.calls.update === 0) await flush();
    await store.settled();

    const stored = (await store.inner.findById(apiKey.id))?.hash ?? '';
    expect(current.needsRehash(stored)).toBe(false);
    expect(await current.verify(generateKeySecret(key), stored)).toBe(true);
    keygate.evict();
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(store.calls.update).toBe(1);
  });

  it('a hash of a legacy hasher verifies and is upgraded to the current hasher', async () => {
    const store = countingStore(new MemoryStore());
    const hmac = hmacSha256Hasher();
    const old = createKeygate({ store: store.store, hasher: hmac });
    const { key, apiKey } = await old.keys.create({ name: 'legacy', owner: 'acct_1' });
    const keygate = createKeygate({
      store: store.store,
      hasher: scryptHasher({ logN: 4 }),
      legacyHashers: [hmac],
      lastUsed: false,
    });
    expect((await keygate.verify(key)).ok).toBe(true);
    while (store.calls.update === 0) await flush();
    await store.settled();
    expect((await store.inner.findById(apiKey.id))?.hash).toMatch(/^scrypt\$/);
  });

  it('does not re-hash a hash written with the current parameters', async () => {
    const { keygate, store, createKey, reset } = setup({ lastUsed: false });
    const { key } = await createKey();
    reset();
    expect((await keygate.verify(key)).ok).toBe(true);
    await flush();
    expect(store.calls.update).toBe(0);
  });

  it('reports a failed re-hash to onRehashError while the key still verifies', async () => {
    const store = countingStore(new MemoryStore());
    const { key } = await createKeygate({ store: store.store, hasher: scryptHasher({ logN: 4 }) }).keys.create({
      name: 'legacy',
      owner: 'acct_1',
    });
    const failure = new Error('read-only replica');
    const onRehashError = vi.fn();
    const keygate = createKeygate({
      store: { ...store.store, update: () => Promise.reject(failure) },
      hasher: scryptHasher({ logN: 5 }),
      onRehashError,
    });
    expect((await keygate.verify(key)).ok).toBe(true);
    while (onRehashError.mock.calls.length === 0) await flush();
    expect(onRehashError).toHaveBeenCalledWith(failure);
  });
});

function generateKeySecret(key: string): string {
  return key.slice(key.lastIndexOf('_') + 1, -KEY_CHECKSUM_LENGTH);
}
