// Environments: prefixes mapped to environment names by createKeygate's `environments` option.
import { describe, expect, it, vi } from 'vitest';
import { isKeygateError, type KeygateError } from '../../src/errors.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { parseKey } from '../../src/key/format.js';
import { createKeygate } from '../../src/keygate/create.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { keygateErrorOf } from '../support/errors.js';

const hasher = hmacSha256Hasher();
const ENVIRONMENTS = { sk_live: 'live', sk_test: 'test' };

function keygateWith(options: Partial<KeygateOptions> = {}) {
  return createKeygate({ store: new MemoryStore(), hasher, prefix: 'sk_live', environments: ENVIRONMENTS, ...options });
}

describe('environments option', () => {
  it('refuses a mapped prefix that is not a valid prefix', () => {
    expect(keygateErrorOf(() => keygateWith({ environments: { sk_live: 'live', 'sk test': 'test' } })).code).toBe(
      'invalid_prefix',
    );
  });

  it('refuses an environment name that is not a short lower-case identifier, naming it', () => {
    const error = keygateErrorOf(() => keygateWith({ environments: { sk_live: 'live', sk_test: 'Test' } }));
    expect(error.code).toBe('invalid_options');
    expect(error.field).toBe('environments.sk_test');
  });

  it('refuses an environment name longer than 32 characters', () => {
    const error = keygateErrorOf(() =>
      keygateWith({ environments: { sk_live: 'live', sk_test: `t${'x'.repeat(32)}` } }),
    );
    expect(error.code).toBe('invalid_options');
  });

  it('refuses environments that do not map the instance prefix', () => {
    const error = keygateErrorOf(() => keygateWith({ environments: { sk_test: 'test' } }));
    expect(error.code).toBe('invalid_options');
    expect(error.field).toBe('environments');
  });

  it('refuses environments that are not an object', () => {
    const error = keygateErrorOf(() => keygateWith({ environments: ['sk_live'] as unknown as Record<string, string> }));
    expect(error.field).toBe('environments');
  });

  it('is a known option name: it draws no unknown-option warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      keygateWith();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('keys in environments', () => {
  it('creates a key with the instance prefix in its environment by default', async () => {
    const { key, apiKey } = await keygateWith().keys.create({ name: 'n', owner: 'o' });
    expect(parseKey(key)).toMatchObject({ ok: true, key: { prefix: 'sk_live' } });
    expect(apiKey.environment).toBe('live');
  });

  it('creates a key of the requested environment with its mapped prefix', async () => {
    const { key, apiKey } = await keygateWith().keys.create({ name: 'n', owner: 'o', environment: 'test' });
    expect(parseKey(key)).toMatchObject({ ok: true, key: { prefix: 'sk_test' } });
    expect(apiKey).toMatchObject({ prefix: 'sk_test', environment: 'test' });
  });

  it('refuses an unknown environment with invalid_input naming the field', async () => {
    const error = await keygateWith()
      .keys.create({ name: 'n', owner: 'o', environment: 'staging' })
      .catch((e: unknown) => e);
    expect(isKeygateError(error, 'invalid_input')).toBe(true);
    expect((error as KeygateError).field).toBe('environment');
  });

  it('refuses an environment on an instance without environments', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher });
    const error = await keygate.keys.create({ name: 'n', owner: 'o', environment: 'test' }).catch((e: unknown) => e);
    expect(isKeygateError(error, 'invalid_input')).toBe(true);
    expect((error as KeygateError).field).toBe('environment');
  });

  it('verifies a key of every mapped prefix, carrying its environment', async () => {
    const keygate = keygateWith();
    const test = await keygate.keys.create({ name: 'n', owner: 'o', environment: 'test' });
    const live = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(await keygate.verify(test.key)).toMatchObject({ ok: true, key: { environment: 'test' } });
    expect(await keygate.verify(live.key)).toMatchObject({ ok: true, key: { environment: 'live' } });
  });

  it('still accepts acceptedPrefixes besides the mapped ones, with a null environment', async () => {
    const store = new MemoryStore();
    const old = await createKeygate({ store, hasher, prefix: 'sk_old' }).keys.create({ name: 'n', owner: 'o' });
    const keygate = keygateWith({ store, acceptedPrefixes: ['sk_live', 'sk_old'] });
    expect(await keygate.verify(old.key)).toMatchObject({ ok: true, key: { environment: null } });
  });

  it('gives keys a null environment when the instance has no environments', async () => {
    const keygate = createKeygate({ store: new MemoryStore(), hasher });
    const { key, apiKey } = await keygate.keys.create({ name: 'n', owner: 'o' });
    expect(apiKey.environment).toBeNull();
    expect(await keygate.verify(key)).toMatchObject({ ok: true, key: { environment: null } });
  });

  it('shows the environment on keys read back through keys.get and keys.list', async () => {
    const keygate = keygateWith();
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'o', environment: 'test' });
    expect((await keygate.keys.get(apiKey.id))?.environment).toBe('test');
    expect((await keygate.keys.list('o')).keys[0]?.environment).toBe('test');
  });

  it('rotates a test key into a new test key', async () => {
    const keygate = keygateWith();
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'o', environment: 'test' });
    const rotated = await keygate.keys.rotate(apiKey.id);
    expect(rotated.apiKey).toMatchObject({ prefix: 'sk_test', environment: 'test' });
    expect(await keygate.verify(rotated.key)).toMatchObject({ ok: true, key: { environment: 'test' } });
  });
});

describe('delegation across environments', () => {
  async function testManager() {
    const keygate = keygateWith();
    const manager = await keygate.keys.create({
      name: 'test manager',
      owner: 'team_1',
      scopes: ['*'],
      environment: 'test',
    });
    return { keygate, actor: { key: manager.apiKey } };
  }

  it('gives a key created by a test key its environment when none is named', async () => {
    const { keygate, actor } = await testManager();
    const created = await keygate.keys.create({ name: 'n', owner: 'team_1' }, { actor });
    expect(created.apiKey.environment).toBe('test');
    expect(created.key.startsWith('sk_test_')).toBe(true);
  });

  it('refuses a test key creating a live key, naming the environment', async () => {
    const { keygate, actor } = await testManager();
    await expect(
      keygate.keys.create({ name: 'n', owner: 'team_1', environment: 'live' }, { actor }),
    ).rejects.toMatchObject({ code: 'forbidden', field: 'environment' });
  });

  it('hides a live key of the same owner from a test key, as an unknown id', async () => {
    const { keygate, actor } = await testManager();
    const live = await keygate.keys.create({ name: 'live', owner: 'team_1' });
    expect(await keygate.keys.get(live.apiKey.id, { actor })).toBeNull();
    expect((await keygate.keys.list('team_1', { actor })).keys.map((k) => k.id)).not.toContain(live.apiKey.id);
    await expect(keygate.keys.revoke(live.apiKey.id, { actor })).rejects.toMatchObject({ code: 'not_found' });
    await expect(keygate.keys.rotate(live.apiKey.id, { actor })).rejects.toMatchObject({ code: 'not_found' });
    await expect(keygate.keys.disable(live.apiKey.id, { actor })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lets a live key manage keys of its own environment as before', async () => {
    const keygate = keygateWith();
    const manager = await keygate.keys.create({ name: 'm', owner: 'team_1', scopes: ['*'] });
    const created = await keygate.keys.create({ name: 'n', owner: 'team_1' }, { actor: { key: manager.apiKey } });
    expect(created.apiKey.environment).toBe('live');
  });
});
