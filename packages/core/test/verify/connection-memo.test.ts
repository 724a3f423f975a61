import { beforeEach, describe, expect, it, vi } from 'vitest';
import { keyDigest } from '../../src/key/digest.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { mutateAt, setup } from '../support/helpers.js';

// Counts the SHA-256 digests computed, while still computing them.
vi.mock('../../src/key/digest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/key/digest.js')>();
  return { keyDigest: vi.fn(original.keyDigest) };
});
const digests = vi.mocked(keyDigest);

beforeEach(() => {
  digests.mockClear();
});

async function verifiedKey(options: Parameters<typeof setup>[0] = {}) {
  const context = setup(options);
  const created = await context.createKey();
  expect((await context.keygate.verify(created.key)).ok).toBe(true);
  digests.mockClear();
  return { ...context, ...created };
}

describe('peek with a connection', () => {
  it('a key presented again on the same connection is found without computing its digest again', async () => {
    const { keygate, key, apiKey } = await verifiedKey();
    const connection = {};
    expect(runtimeOf(keygate).peek(key, connection)).toEqual({ ok: true, key: apiKey });
    expect(digests).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) expect(runtimeOf(keygate).peek(key, connection)).toEqual({ ok: true, key: apiKey });
    expect(digests).toHaveBeenCalledTimes(1);
  });

  it('another connection computes the digest for itself', async () => {
    const { keygate, key } = await verifiedKey();
    runtimeOf(keygate).peek(key, {});
    runtimeOf(keygate).peek(key, {});
    expect(digests).toHaveBeenCalledTimes(2);
  });

  it('another key on the same connection is answered as itself', async () => {
    const { keygate, key, apiKey, createKey } = await verifiedKey();
    const other = await createKey({ name: 'other' });
    await keygate.verify(other.key);
    const connection = {};
    runtimeOf(keygate).peek(key, connection);
    expect(runtimeOf(keygate).peek(other.key, connection)).toEqual({ ok: true, key: other.apiKey });
    expect(runtimeOf(keygate).peek(key, connection)).toEqual({ ok: true, key: apiKey });
  });

  it('a key differing from the remembered one in any single character is not taken for it', async () => {
    const { keygate, key } = await verifiedKey();
    const connection = {};
    runtimeOf(keygate).peek(key, connection);
    for (let index = 0; index < key.length; index++) {
      expect(runtimeOf(keygate).peek(mutateAt(key, index), connection)).toBeUndefined();
      expect(runtimeOf(keygate).peek(key, connection)?.ok).toBe(true);
    }
  });

  it.each(['a', 'ab', 'abc', 'abcd'])(
    'compares every byte of a key with prefix %s, whatever its length',
    async (prefix) => {
      const { keygate, key } = await verifiedKey({ prefix });
      const connection = {};
      runtimeOf(keygate).peek(key, connection);
      for (const index of [0, key.length - 3, key.length - 2, key.length - 1]) {
        expect(runtimeOf(keygate).peek(mutateAt(key, index), connection)).toBeUndefined();
      }
      expect(runtimeOf(keygate).peek(key, connection)?.ok).toBe(true);
    },
  );

  it('the remembered key cut short or followed by more characters is not taken for it', async () => {
    const { keygate, key } = await verifiedKey();
    const connection = {};
    runtimeOf(keygate).peek(key, connection);
    expect(runtimeOf(keygate).peek(key.slice(0, -1), connection)).toBeUndefined();
    expect(runtimeOf(keygate).peek(`${key}a`, connection)).toBeUndefined();
    expect(runtimeOf(keygate).peek(key, connection)?.ok).toBe(true);
  });

  it('a non-ASCII string of the remembered key’s length is not taken for it', async () => {
    const { keygate, key } = await verifiedKey();
    const connection = {};
    runtimeOf(keygate).peek(key, connection);
    // U+016B's low byte is 'k': a Latin-1 comparison would see the remembered key here.
    expect(runtimeOf(keygate).peek(`\u016b${key.slice(1)}`, connection)).toBeUndefined();
    expect(runtimeOf(keygate).peek(`\ud800${key.slice(1)}`, connection)).toBeUndefined();
  });

  it('a key revoked after its connection remembered it is refused on that connection, and forgotten there', async () => {
    const { keygate, key, apiKey } = await verifiedKey();
    const connection = {};
    runtimeOf(keygate).peek(key, connection);
    await keygate.keys.revoke(apiKey.id);
    expect(runtimeOf(keygate).peek(key, connection)).toBeUndefined();
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'revoked', keyId: apiKey.id });
    digests.mockClear();
    runtimeOf(keygate).peek(key, connection);
    expect(digests).toHaveBeenCalledTimes(1);
  });

  it('a key that expires after its connection remembered it stops working at its expiry', async () => {
    const context = setup();
    const { key } = await context.createKey({ expiresAt: new Date(context.clock.now() + 10_000) });
    await context.keygate.verify(key);
    const connection = {};
    expect(runtimeOf(context.keygate).peek(key, connection)?.ok).toBe(true);
    context.clock.advance(10_000);
    expect(runtimeOf(context.keygate).peek(key, connection)?.ok).not.toBe(true);
    expect(await context.keygate.verify(key)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('computes the digest every time with cache.connections: false', async () => {
    const { keygate, key } = await verifiedKey({ cache: { connections: false } });
    const connection = {};
    for (let i = 0; i < 3; i++) expect(runtimeOf(keygate).peek(key, connection)?.ok).toBe(true);
    expect(digests).toHaveBeenCalledTimes(3);
  });

  it('ignores a connection that is not an object', async () => {
    const { keygate, key } = await verifiedKey();
    for (const connection of [42, 'socket', null]) {
      expect(runtimeOf(keygate).peek(key, connection as unknown as object)?.ok).toBe(true);
    }
    expect(digests).toHaveBeenCalledTimes(3);
  });

  it('rejects a cache.connections option that is not a boolean', () => {
    expect(() => setup({ cache: { connections: 'yes' as unknown as boolean } })).toThrow(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/cache\.connections/) }),
    );
  });
});
