// The key lifetime policy (`createKeygate({ expiry })`) as keys.create, keys.update and keys.rotate apply it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKeygate } from '../../src/keygate/create.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { expectKeygateError, START, setup } from '../support/helpers.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createKeygate({ expiry })', () => {
  it('refuses a defaultMs beyond maxMs with invalid_options', () => {
    expect(() => createKeygate({ store: new MemoryStore(), expiry: { maxMs: DAY, defaultMs: 2 * DAY } })).toThrow(
      /expiry\.defaultMs.*at most.*expiry\.maxMs/,
    );
  });

  it('refuses a maxMs that is not a positive integer with invalid_options naming it', () => {
    expect(() => createKeygate({ store: new MemoryStore(), expiry: { maxMs: -1 } })).toThrow(/expiry\.maxMs/);
  });

  it('refuses a required that is not a boolean with invalid_options naming it', () => {
    expect(() => createKeygate({ store: new MemoryStore(), expiry: { required: 'yes' as never } })).toThrow(
      /expiry\.required/,
    );
  });

  it('warns once about an unknown option name in expiry, with the closest known name', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    createKeygate({ store: new MemoryStore(), expiry: { maxMS: DAY } as never });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('`expiry.maxMS` (did you mean `expiry.maxMs`?)'));
  });
});

describe('keys.create under an expiry policy', () => {
  it('creates keys without an expiry when no policy is given', async () => {
    const { createKey } = setup();
    expect((await createKey()).apiKey.expiresAt).toBeNull();
  });

  it('gives a key created without an expiry the default expiry', async () => {
    const { createKey } = setup({ expiry: { defaultMs: 30 * DAY } });
    expect((await createKey()).apiKey.expiresAt).toEqual(new Date(START + 30 * DAY));
  });

  it('keeps an expiry given at creation over the default', async () => {
    const { createKey } = setup({ expiry: { defaultMs: 30 * DAY } });
    expect((await createKey({ expiresIn: DAY })).apiKey.expiresAt).toEqual(new Date(START + DAY));
  });

  it('refuses a key without an expiry when expiry is required, naming the field and the policy', async () => {
    const { createKey } = setup({ expiry: { required: true } });
    const error = await expectKeygateError(createKey(), 'invalid_input');
    expect(error.field).toBe('expiresAt');
    expect(error.message).toMatch(/expiry\.required policy/);
  });

  it('refuses an expiry beyond maxMs, naming the field and the policy', async () => {
    const { createKey } = setup({ expiry: { maxMs: 90 * DAY } });
    const error = await expectKeygateError(createKey({ expiresIn: 91 * DAY }), 'invalid_input');
    expect(error.field).toBe('expiresAt');
    expect(error.message).toBe('expiresAt must be at most 90 days from now (the expiry.maxMs policy).');
  });

  it('accepts an expiry of exactly maxMs', async () => {
    const { createKey } = setup({ expiry: { maxMs: 90 * DAY } });
    expect((await createKey({ expiresIn: 90 * DAY })).apiKey.expiresAt).toEqual(new Date(START + 90 * DAY));
  });

  it('refuses a key without an expiry under maxMs alone', async () => {
    const { createKey } = setup({ expiry: { maxMs: 90 * DAY } });
    const error = await expectKeygateError(createKey(), 'invalid_input');
    expect(error.message).toMatch(/expiry\.maxMs policy/);
  });

  it('stores nothing when the policy refuses a key', async () => {
    const { createKey, keygate } = setup({ expiry: { required: true } });
    await expectKeygateError(createKey({ owner: 'acct_p' }), 'invalid_input');
    expect((await keygate.keys.list('acct_p')).keys).toEqual([]);
  });
});

describe('keys.update under an expiry policy', () => {
  it('refuses clearing the expiry when expiry is required', async () => {
    const { createKey, keygate } = setup({ expiry: { required: true } });
    const { apiKey } = await createKey({ expiresIn: DAY });
    const error = await expectKeygateError(keygate.keys.update(apiKey.id, { expiresAt: null }), 'invalid_input');
    expect(error.field).toBe('expiresAt');
  });

  it('refuses moving the expiry beyond maxMs', async () => {
    const { createKey, keygate } = setup({ expiry: { maxMs: 30 * DAY } });
    const { apiKey } = await createKey({ expiresIn: DAY });
    const error = await expectKeygateError(keygate.keys.update(apiKey.id, { expiresIn: 31 * DAY }), 'invalid_input');
    expect(error.message).toMatch(/at most 30 days from now \(the expiry\.maxMs policy\)/);
    expect((await keygate.keys.get(apiKey.id))?.expiresAt).toEqual(new Date(START + DAY));
  });

  it('lets an update that leaves the expiry alone through, whatever the key expiry', async () => {
    const store = new MemoryStore();
    const before = createKeygate({ store, now: () => START });
    const { apiKey } = await before.keys.create({ name: 'old', owner: 'acct_1', scopes: [] });
    const after = createKeygate({ store, now: () => START, expiry: { required: true, maxMs: DAY } });
    expect((await after.keys.update(apiKey.id, { name: 'renamed' })).name).toBe('renamed');
  });
});

describe('keys.rotate under an expiry policy', () => {
  it('gives the replacement of a key without an expiry the default expiry', async () => {
    const store = new MemoryStore();
    const before = createKeygate({ store, now: () => START });
    const { apiKey } = await before.keys.create({ name: 'old', owner: 'acct_1', scopes: [] });
    const after = createKeygate({ store, now: () => START, expiry: { defaultMs: 7 * DAY, maxMs: 30 * DAY } });
    expect((await after.keys.rotate(apiKey.id)).apiKey.expiresAt).toEqual(new Date(START + 7 * DAY));
  });

  it('brings the replacement expiry within maxMs', async () => {
    const store = new MemoryStore();
    const before = createKeygate({ store, now: () => START });
    const { apiKey } = await before.keys.create({ name: 'old', owner: 'acct_1', scopes: [], expiresIn: 365 * DAY });
    const after = createKeygate({ store, now: () => START, expiry: { maxMs: 30 * DAY } });
    expect((await after.keys.rotate(apiKey.id)).apiKey.expiresAt).toEqual(new Date(START + 30 * DAY));
  });

  it('keeps the old expiry for the replacement when it is within the policy', async () => {
    const { createKey, keygate } = setup({ expiry: { maxMs: 30 * DAY } });
    const { apiKey } = await createKey({ expiresIn: 10 * DAY });
    expect((await keygate.keys.rotate(apiKey.id)).apiKey.expiresAt).toEqual(new Date(START + 10 * DAY));
  });

  it('refuses rotating a key without an expiry when expiry is required with no length', async () => {
    const store = new MemoryStore();
    const before = createKeygate({ store, now: () => START });
    const { apiKey } = await before.keys.create({ name: 'old', owner: 'acct_1', scopes: [] });
    const after = createKeygate({ store, now: () => START, expiry: { required: true } });
    const error = await expectKeygateError(after.keys.rotate(apiKey.id), 'invalid_input');
    expect(error.field).toBe('expiresAt');
  });
});

describe('the expiry policy and the delegation rule', () => {
  it('refuses as forbidden a default expiry later than the expiring actor', async () => {
    const { createKey, keygate } = setup({ expiry: { defaultMs: 30 * DAY } });
    const acting = await createKey({ scopes: ['keys:manage'], expiresIn: DAY });
    const error = await expectKeygateError(
      keygate.keys.create({ name: 'n', owner: 'acct_1', scopes: [] }, { actor: { key: acting.apiKey } }),
      'forbidden',
    );
    expect(error.field).toBe('expiresAt');
  });

  it('checks the policy before the delegation rule', async () => {
    const { createKey, keygate } = setup({ expiry: { maxMs: 10 * DAY } });
    const acting = await createKey({ scopes: ['keys:manage'], expiresIn: 10 * DAY });
    await expectKeygateError(
      keygate.keys.create(
        { name: 'n', owner: 'acct_1', scopes: [], expiresIn: 11 * DAY },
        { actor: { key: acting.apiKey } },
      ),
      'invalid_input',
    );
  });
});
