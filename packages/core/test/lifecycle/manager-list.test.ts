// KeyManager.list (keygate.keys.list): one owner's keys, page by page.
import { describe, expect, it } from 'vitest';
import { setup } from '../support/helpers.js';

describe('keys.list', () => {
  it('returns one owner’s keys, oldest first, without hashes', async () => {
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
  });

  it('returns an empty page for an owner without keys', async () => {
    const { keygate, createKey } = setup();
    await createKey({ owner: 'alice' });
    expect(await keygate.keys.list('nobody')).toEqual({ keys: [], nextCursor: null });
  });
});
