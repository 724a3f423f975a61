// keys.findExpiring and keys.findUnused: searches across owners, paged like keys.list.
import { describe, expect, it } from 'vitest';
import { createKeygate } from '../../src/keygate/create.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { KeyStore } from '../../src/stores/store.js';
import { expectKeygateError, START, setup } from '../support/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('keys.findExpiring', () => {
  it('finds the active keys of every owner expiring within the span, soonest first, without hashes', async () => {
    const { createKey, keygate } = setup();
    const later = await createKey({ owner: 'acct_1', expiresIn: 5 * DAY });
    const sooner = await createKey({ owner: 'acct_2', expiresIn: DAY });
    await createKey({ owner: 'acct_1', expiresIn: 30 * DAY });
    await createKey({ owner: 'acct_3' });
    const { keys, nextCursor } = await keygate.keys.findExpiring(7 * DAY);
    expect(keys.map((k) => k.id)).toEqual([sooner.apiKey.id, later.apiKey.id]);
    expect(keys[0]).not.toHaveProperty('hash');
    expect(nextCursor).toBeNull();
  });

  it('leaves out revoked and expired keys', async () => {
    const { createKey, keygate, clock } = setup();
    const revoked = await createKey({ expiresIn: DAY });
    await keygate.keys.revoke(revoked.apiKey.id);
    await createKey({ expiresIn: HOUR });
    clock.advance(2 * HOUR);
    expect((await keygate.keys.findExpiring(7 * DAY)).keys).toEqual([]);
  });

  it('pages with the cursor of the previous page', async () => {
    const { createKey, keygate } = setup();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await createKey({ expiresIn: i * HOUR })).apiKey.id);
    const first = await keygate.keys.findExpiring(DAY, { limit: 2 });
    const second = await keygate.keys.findExpiring(DAY, { limit: 2, cursor: first.nextCursor });
    const third = await keygate.keys.findExpiring(DAY, { limit: 2, cursor: second.nextCursor });
    expect([...first.keys, ...second.keys, ...third.keys].map((k) => k.id)).toEqual(ids);
    expect(third.nextCursor).toBeNull();
  });

  it('refuses a span that is not a positive integer with invalid_input naming withinMs', async () => {
    const { keygate } = setup();
    const error = await expectKeygateError(keygate.keys.findExpiring(0), 'invalid_input');
    expect(error.field).toBe('withinMs');
  });

  it('refuses a cursor it did not return with invalid_input naming cursor', async () => {
    const { keygate } = setup();
    const error = await expectKeygateError(keygate.keys.findExpiring(DAY, { cursor: 'nope' }), 'invalid_input');
    expect(error.field).toBe('cursor');
  });

  it('throws invalid_options naming the method for a store without findExpiring', async () => {
    const memory = new MemoryStore();
    const store: KeyStore = {
      findById: (id) => memory.findById(id),
      create: (record, options) => memory.create(record, options),
      update: (id, patch, options) => memory.update(id, patch, options),
      rotate: (rotation) => memory.rotate(rotation),
      listByOwner: (owner, options) => memory.listByOwner(owner, options),
    };
    const keygate = createKeygate({ store });
    const error = await expectKeygateError(keygate.keys.findExpiring(DAY), 'invalid_options');
    expect(error.message).toMatch(/findExpiring\(\)/);
  });
});

describe('keys.findUnused', () => {
  it('finds keys last used, or never used and created, before the span, least recently used first', async () => {
    const { createKey, keygate, clock, store } = setup();
    const neverUsed = await createKey({ owner: 'acct_1' });
    const usedEarly = await createKey({ owner: 'acct_2' });
    const usedLately = await createKey({ owner: 'acct_1' });
    await store.store.update(usedEarly.apiKey.id, { lastUsedAt: new Date(START + DAY) });
    clock.advance(40 * DAY);
    await store.store.update(usedLately.apiKey.id, { lastUsedAt: new Date(START + 39 * DAY) });
    const createdLately = await createKey();
    const { keys } = await keygate.keys.findUnused(30 * DAY);
    expect(keys.map((k) => k.id)).toEqual([neverUsed.apiKey.id, usedEarly.apiKey.id]);
    expect(keys.map((k) => k.id)).not.toContain(createdLately.apiKey.id);
  });

  it('leaves out revoked and expired keys', async () => {
    const { createKey, keygate, clock } = setup();
    const revoked = await createKey();
    await keygate.keys.revoke(revoked.apiKey.id);
    await createKey({ expiresIn: DAY });
    clock.advance(40 * DAY);
    expect((await keygate.keys.findUnused(30 * DAY)).keys).toEqual([]);
  });

  it('refuses a span that is not a positive integer with invalid_input naming sinceMs', async () => {
    const { keygate } = setup();
    const error = await expectKeygateError(keygate.keys.findUnused(-5), 'invalid_input');
    expect(error.field).toBe('sinceMs');
  });
});
