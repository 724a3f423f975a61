import { describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { createKeygate } from '../../src/keygate/create.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { KeyStore } from '../../src/stores/store.js';
import { countingHasher, flush, manualClock, setup } from '../support/helpers.js';

const accessors: RequestAccessors<{ rawHeaders: string[] }> = {
  raw: (req) => req,
  ip: () => '127.0.0.1',
  secure: () => true,
};

describe('last-used tracking', () => {
  it('writes lastUsedAt once per key per interval, however many requests', async () => {
    const { keygate, store, clock, createKey, reset } = setup({ lastUsed: { intervalMs: 60_000 } });
    const { key, apiKey } = await createKey();
    reset();
    for (let i = 0; i < 50; i++) expect((await keygate.verify(key)).ok).toBe(true);
    await flush();
    expect(store.calls.update).toBe(1);
    expect((await store.inner.findById(apiKey.id))?.lastUsedAt).toEqual(new Date(clock.now()));

    clock.advance(59_999);
    for (let i = 0; i < 10; i++) await keygate.verify(key);
    await flush();
    expect(store.calls.update).toBe(1);

    clock.advance(1);
    const second = clock.now();
    for (let i = 0; i < 10; i++) await keygate.verify(key);
    await flush();
    expect(store.calls.update).toBe(2);
    expect((await store.inner.findById(apiKey.id))?.lastUsedAt).toEqual(new Date(second));
  });

  it('counts cache hits (peek) and uncached verifications alike, per key', async () => {
    const { keygate, store, createKey, reset } = setup({ lastUsed: {} });
    const a = await createKey();
    const b = await createKey();
    reset();
    await keygate.verify(a.key);
    for (let i = 0; i < 20; i++) runtimeOf(keygate).peek(a.key);
    for (let i = 0; i < 20; i++) runtimeOf(keygate).peek(b.key);
    await keygate.verify(b.key);
    for (let i = 0; i < 20; i++) expect(runtimeOf(keygate).peek(b.key)?.ok).toBe(true);
    await flush();
    expect(store.calls.findById).toBe(2);
    expect(store.calls.update).toBe(2);
  });

  it('is on by default with a 60 s interval', async () => {
    const { keygate, store, clock, createKey, reset } = setup();
    const { key } = await createKey();
    reset();
    await keygate.verify(key);
    clock.advance(59_000);
    await keygate.verify(key);
    await flush();
    expect(store.calls.update).toBe(1);
    clock.advance(1_000);
    await keygate.verify(key);
    await flush();
    expect(store.calls.update).toBe(2);
  });

  it('writes nothing with lastUsed: false, nor for failed verifications', async () => {
    const off = setup({ lastUsed: false });
    const { key } = await off.createKey();
    off.reset();
    for (let i = 0; i < 5; i++) await off.keygate.verify(key);
    await flush();
    expect(off.store.calls.update).toBe(0);

    const on = setup();
    const revoked = await on.createKey();
    await on.keygate.keys.revoke(revoked.apiKey.id);
    on.reset();
    expect((await on.keygate.verify(revoked.key)).ok).toBe(false);
    expect((await on.keygate.verify('kg_nonsense')).ok).toBe(false);
    await flush();
    expect(on.store.calls.update).toBe(0);
  });

  it('writes once per interval without a verified-key cache too', async () => {
    const { keygate, store, createKey, reset } = setup({ cache: false });
    const { key } = await createKey();
    reset();
    for (let i = 0; i < 10; i++) await keygate.verify(key);
    await flush();
    expect(store.calls.findById).toBe(10);
    expect(store.calls.update).toBe(1);
  });

  it('keeps bounded memory: past maxEntries keys the oldest are forgotten early (and written again when used)', async () => {
    const { keygate, store, createKey, reset } = setup({ lastUsed: { maxEntries: 2 } });
    const keys = [await createKey(), await createKey(), await createKey(), await createKey(), await createKey()];
    reset();
    for (const { key } of keys) await keygate.verify(key);
    await flush();
    expect(store.calls.update).toBe(5);
    // At most 2 × maxEntries keys are remembered: the first two are forgotten, the last one is not.
    await keygate.verify(keys[0]?.key as string);
    await keygate.verify(keys[4]?.key as string);
    await flush();
    expect(store.calls.update).toBe(6);
  });

  it('writes the last-used times due in one event-loop turn in one store call', async () => {
    const inner = new MemoryStore();
    const touchMany = vi.spyOn(inner, 'touchMany');
    const update = vi.spyOn(inner, 'update');
    const keygate = createKeygate({ store: inner, hasher: countingHasher().hasher });
    const keys = await Promise.all(
      Array.from({ length: 20 }, (_, i) => keygate.keys.create({ name: 'n', owner: `o${i % 3}` })),
    );
    update.mockClear();
    await Promise.all(keys.map(({ key }) => keygate.verify(key)));
    await keygate.close();
    expect(touchMany).toHaveBeenCalledTimes(1);
    expect(touchMany.mock.calls[0]?.[0]).toHaveLength(20);
    expect(update).not.toHaveBeenCalled();
    for (const { apiKey } of keys) expect((await inner.findById(apiKey.id))?.lastUsedAt).not.toBeNull();
  });

  it('writes the last-used times still due when the instance closes', async () => {
    const inner = new MemoryStore();
    const keygate = createKeygate({ store: inner, hasher: countingHasher().hasher });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    await keygate.verify(key);
    await keygate.close();
    expect((await inner.findById(apiKey.id))?.lastUsedAt).not.toBeNull();
  });

  it('never delays a request: a store whose writes never settle leaves verification and the authenticator unaffected', async () => {
    const inner = new MemoryStore();
    let updates = 0;
    const hanging: KeyStore = {
      findById: (id) => inner.findById(id),
      create: (record, options) => inner.create(record, options),
      listByOwner: (owner, options) => inner.listByOwner(owner, options),
      rotate: (rotation) => inner.rotate(rotation),
      update: (id, patch, options) => {
        // Key management writes go through; last-used writes hang forever.
        if (patch.lastUsedAt === undefined) return inner.update(id, patch, options);
        updates++;
        return new Promise(() => {});
      },
    };
    const clock = manualClock();
    const keygate = createKeygate({
      store: hanging,
      hasher: countingHasher().hasher,
      now: clock.now,
      lastUsed: { intervalMs: 1000 },
    });
    const { key } = await keygate.keys.create({ name: 'n', owner: 'o' });
    const authenticate = createAuthenticator({ keygate }, accessors);

    expect(await authenticate({ rawHeaders: ['X-API-Key', key] })).toMatchObject({ ok: true });
    await flush();
    // Cache hit: answered synchronously although the write started by the first request never settles.
    clock.advance(1000);
    const outcome = authenticate({ rawHeaders: ['X-API-Key', key] });
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toMatchObject({ ok: true });
    await flush();
    expect(updates).toBe(2);
  });

  it('reports a failing write to onError (never the key) and still answers; no retry before the interval', async () => {
    const onError = vi.fn();
    const { keygate, store, clock, createKey, reset } = setup({ onError, lastUsed: { intervalMs: 1000 } });
    const { key } = await createKey();
    reset();
    const failure = new Error('database is read-only');
    const update = vi.spyOn(store.store, 'update').mockRejectedValue(failure);
    expect((await keygate.verify(key)).ok).toBe(true);
    expect(runtimeOf(keygate).peek(key)?.ok).toBe(true);
    await flush();
    expect(update).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(failure);
    clock.advance(999);
    expect(runtimeOf(keygate).peek(key)?.ok).toBe(true);
    await flush();
    expect(update).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(runtimeOf(keygate).peek(key)?.ok).toBe(true);
    await flush();
    expect(update).toHaveBeenCalledTimes(2);
    expect(JSON.stringify(onError.mock.calls)).not.toContain(key);
  });

  it('reports a store that throws synchronously to onError too', async () => {
    const onError = vi.fn();
    const { keygate, store, createKey } = setup({ onError });
    const { key } = await createKey();
    vi.spyOn(store.store, 'update').mockImplementation(() => {
      throw new Error('sync failure');
    });
    expect((await keygate.verify(key)).ok).toBe(true);
    await flush();
    expect(onError).toHaveBeenCalledWith(new Error('sync failure'));
  });

  it.each<[string, KeygateOptions['lastUsed']]>([
    ['a zero interval', { intervalMs: 0 }],
    ['a fractional interval', { intervalMs: 1.5 }],
    ['a zero maxEntries', { maxEntries: 0 }],
    ['true', true as never],
  ])('rejects %s', (_, lastUsed) => {
    expect(() => createKeygate({ store: new MemoryStore(), lastUsed })).toThrow(KeygateError);
  });
});
