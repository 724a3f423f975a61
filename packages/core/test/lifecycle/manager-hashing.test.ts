// Key creation and rotation hash through the shared KDF limiter, and only when the key can be stored.
import { describe, expect, it } from 'vitest';
import { setup } from '../support/helpers.js';

const HOUR = 3_600_000;

describe('hashing in KeyManager', () => {
  it('refuses 60 concurrent creates at the owner cap without hashing once', async () => {
    const { keygate, hasher, createKey } = setup({ maxKeysPerOwner: 3 });
    for (let i = 0; i < 3; i++) await createKey({ owner: 'acct' });
    hasher.reset();
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => keygate.keys.create({ name: 'n', owner: 'acct' })),
    );
    expect(results.every((r) => r.status === 'rejected' && r.reason.code === 'limit_exceeded')).toBe(true);
    expect(hasher.calls.hash).toBe(0);
  });

  it('refuses a rotation with a grace period at the cap without hashing', async () => {
    const { keygate, hasher, createKey } = setup({ maxKeysPerOwner: 2 });
    const [a, b] = [await createKey({ owner: 'acct' }), await createKey({ owner: 'acct' })];
    await keygate.keys.rotate(a.apiKey.id, { gracePeriodMs: HOUR });
    hasher.reset();
    await expect(keygate.keys.rotate(b.apiKey.id, { gracePeriodMs: HOUR })).rejects.toMatchObject({
      code: 'limit_exceeded',
    });
    expect(hasher.calls.hash).toBe(0);
  });

  it('hashes a request’s new key through the KDF limiter, answering busy when no slot frees in time', async () => {
    const { keygate, hasher } = setup({ kdf: { maxConcurrent: 1, maxQueue: 0 } });
    const context = { route: 'POST /keys', ip: '203.0.113.9', userAgent: null };
    const release = hasher.hold();
    const first = keygate.keys.create({ name: 'a', owner: 'acct' }, { context });
    await hasher.running(1);
    await expect(keygate.keys.create({ name: 'b', owner: 'acct' }, { context })).rejects.toMatchObject({
      code: 'busy',
    });
    release();
    await expect(first).resolves.toMatchObject({ apiKey: { name: 'a' } });
  });
});
