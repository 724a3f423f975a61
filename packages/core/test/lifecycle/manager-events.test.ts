// KeyManager's audit events across its methods: never for a refused change, never a secret, and a
// failing listener never fails the change. (Each method's own events are in its file.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseKey } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { expectKeygateError, flush, setup, withEvents } from '../support/helpers.js';

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('lifecycle events', () => {
  it('emits nothing for a refused operation', async () => {
    const { createKey, keygate, events } = withEvents({ maxKeysPerOwner: 1 });
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await expectKeygateError(keygate.keys.update(apiKey.id, { name: 'x' }), 'conflict');
    await expectKeygateError(keygate.keys.rotate(apiKey.id), 'conflict');
    await createKey();
    await expectKeygateError(createKey(), 'limit_exceeded');
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
    await flush();
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('rejects an onEvent that is not a function with invalid_options', () => {
    expect(() => createKeygate({ store: new MemoryStore(), onEvent: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});
