// KeyManager.update (keygate.keys.update): what a patch changes, what it may not, and who hears of it.
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/events.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { bareManager, expectKeygateError, START, setup, withEvents } from '../support/helpers.js';

const HOUR = 3_600_000;

describe('keys.update', () => {
  it('changes name, scopes, metadata, rate limits and allowlist, and get shows the change', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ scopes: ['users:read'] });
    const patch = {
      name: 'renamed',
      scopes: ['users:write'],
      metadata: { team: 'ops' },
      rateLimits: [{ name: 'burst', limit: 5, windowSeconds: 1 }],
      allowedIps: ['192.0.2.0/24'],
    };
    const updated = await keygate.keys.update(apiKey.id, patch);
    expect(updated).toEqual({ ...apiKey, ...patch, version: 2 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(updated);
  });

  it('leaves fields that are not in the patch unchanged', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ scopes: ['users:read'], metadata: { a: 1 } });
    const updated = await keygate.keys.update(apiKey.id, { name: 'renamed' });
    expect(updated).toEqual({ ...apiKey, name: 'renamed', version: 2 });
  });

  it('sets an expiry from expiresIn', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    expect((await keygate.keys.update(apiKey.id, { expiresIn: HOUR })).expiresAt).toEqual(new Date(START + HOUR));
  });

  it('clears an expiry with expiresAt null', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({ expiresIn: HOUR });
    expect((await keygate.keys.update(apiKey.id, { expiresAt: null })).expiresAt).toBeNull();
  });

  it('clears per-key rate limits and the allowlist with null', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey({
      rateLimits: [{ name: 'burst', limit: 1, windowSeconds: 1 }],
      allowedIps: ['192.0.2.1'],
    });
    const updated = await keygate.keys.update(apiKey.id, { rateLimits: null, allowedIps: null });
    expect(updated).toMatchObject({ rateLimits: null, allowedIps: null });
  });

  it('makes no store write for an empty patch', async () => {
    const { createKey, keygate, store } = setup();
    const { apiKey } = await createKey();
    store.reset();
    expect(await keygate.keys.update(apiKey.id, {})).toEqual(apiKey);
    expect(store.calls.update).toBe(0);
  });

  it('drops the key from the verified-key cache, so new scopes apply at once', async () => {
    const { createKey, keygate } = setup();
    const { key, apiKey } = await createKey({ scopes: ['users:read'] });
    await keygate.verify(key);
    expect(runtimeOf(keygate).peek(key)).toBeDefined();
    await keygate.keys.update(apiKey.id, { scopes: ['users:write'] });
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(await keygate.verify(key)).toMatchObject({ ok: true, key: { scopes: ['users:write'] } });
  });

  it('reports the changed key to invalidate', async () => {
    const { keys, invalidated } = bareManager();
    const { apiKey } = await keys.create({ name: 'a', owner: 'o' });
    await keys.update(apiKey.id, { name: 'a2' });
    expect(invalidated).toContain(apiKey.id);
  });

  it('applies a change made against the current version, and counts the version up', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.update(apiKey.id, { name: 'first' });
    expect((await keygate.keys.update(apiKey.id, { name: 'second' }, { ifVersion: 2 })).version).toBe(3);
  });

  it('refuses a change made against an outdated version with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.update(apiKey.id, { name: 'first' });
    await expectKeygateError(keygate.keys.update(apiKey.id, { name: 'second' }, { ifVersion: 1 }), 'conflict');
    expect((await keygate.keys.get(apiKey.id))?.name).toBe('first');
  });

  it('refuses to update a revoked key with conflict', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await expectKeygateError(keygate.keys.update(apiKey.id, { name: 'x' }), 'conflict');
  });

  it('refuses to update a key that was replaced by rotation', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.rotate(apiKey.id, { gracePeriodMs: HOUR });
    await expectKeygateError(keygate.keys.update(apiKey.id, { expiresAt: null }), 'conflict');
  });

  it('refuses to update an expired key, which could otherwise be revived past the owner cap', async () => {
    const { createKey, keygate, clock } = setup();
    const { apiKey } = await createKey({ expiresIn: 1000 });
    clock.advance(1000);
    await expectKeygateError(keygate.keys.update(apiKey.id, { expiresIn: HOUR }), 'conflict');
  });

  it('answers not_found for an unknown id', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.keys.update('000000000000', { name: 'x' }), 'not_found');
  });

  it('refuses an unknown field, naming it', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const error = await expectKeygateError(
      keygate.keys.update(apiKey.id, { owner: 'mallory' } as never),
      'invalid_input',
    );
    expect(error.field).toBe('owner');
  });

  it('refuses an expiry in the past, naming expiresAt', async () => {
    const { createKey, keygate } = setup();
    const { apiKey } = await createKey();
    const error = await expectKeygateError(
      keygate.keys.update(apiKey.id, { expiresAt: new Date(START - 1) }),
      'invalid_input',
    );
    expect(error.field).toBe('expiresAt');
  });
});

describe('keys.update: events', () => {
  const context: RequestContext = { route: 'POST /admin/keys', ip: '192.0.2.9', userAgent: 'curl/8' };

  it('emits updated with the key id, owner, time and request context', async () => {
    const { createKey, keygate, events, clock } = withEvents();
    const { apiKey } = await createKey();
    clock.advance(1000);
    await keygate.keys.update(apiKey.id, { name: 'x' }, { context });
    expect(events.slice(1)).toEqual([
      { type: 'updated', time: new Date(START + 1000), keyId: apiKey.id, owner: apiKey.owner, ...context },
    ]);
  });
});
