// KeyManager.disable and enable (keygate.keys.disable / enable): a disabled key stops working at
// once, until it is enabled again; unlike a revocation, it can be undone.
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/events.js';
import type { Actor } from '../../src/lifecycle/manager.js';
import { bareManager, expectKeygateError, START, setup, withEvents } from '../support/helpers.js';

describe('keys.disable', () => {
  it('marks the key disabled at the current time, bumps its version and returns it', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    clock.advance(5000);
    const disabled = await keygate.keys.disable(apiKey.id);
    expect(disabled).toEqual({ ...apiKey, disabledAt: new Date(START + 5000), version: 2 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(disabled);
  });

  it('makes verification reject the key as disabled at once, though it was cached', async () => {
    const { createKey, keygate } = setup();
    const { key, apiKey } = await createKey();
    expect(await keygate.verify(key)).toMatchObject({ ok: true });
    await keygate.keys.disable(apiKey.id);
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'disabled', keyId: apiKey.id });
  });

  it('is idempotent and keeps the first disabling time', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    const first = await keygate.keys.disable(apiKey.id);
    clock.advance(5000);
    expect(await keygate.keys.disable(apiKey.id)).toEqual(first);
  });

  it('refuses a disabling made against an outdated version with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.update(apiKey.id, { name: 'first' });
    await expectKeygateError(keygate.keys.disable(apiKey.id, { ifVersion: 1 }), 'conflict');
    expect((await keygate.keys.get(apiKey.id))?.disabledAt).toBeNull();
  });

  it('refuses to disable a revoked key with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await expectKeygateError(keygate.keys.disable(apiKey.id), 'conflict');
  });

  it('throws not_found for an unknown id', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.keys.disable('000000000000'), 'not_found');
  });

  it('reports the disabled key to invalidate', async () => {
    const { keys, invalidated } = bareManager();
    const { apiKey } = await keys.create({ name: 'b', owner: 'o' });
    await keys.disable(apiKey.id);
    expect(invalidated).toContain(apiKey.id);
  });

  it('keeps counting the disabled key against maxKeysPerOwner', async () => {
    const { keygate, createKey } = setup({ maxKeysPerOwner: 1 });
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    await expectKeygateError(createKey(), 'limit_exceeded');
    expect((await keygate.keys.list('acct_1')).keys.map((k) => k.id)).toEqual([apiKey.id]);
  });

  it('leaves the key changeable: a disabled key can still be renamed', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    expect(await keygate.keys.update(apiKey.id, { name: 'renamed' })).toMatchObject({ name: 'renamed' });
  });

  it('makes rotation refuse the disabled key with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    await expectKeygateError(keygate.keys.rotate(apiKey.id), 'conflict');
  });
});

describe('keys.enable', () => {
  it('clears disabledAt, bumps the version and returns the key', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    const enabled = await keygate.keys.enable(apiKey.id);
    expect(enabled).toEqual({ ...apiKey, disabledAt: null, version: 3 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(enabled);
  });

  it('makes the key verify again', async () => {
    const { keygate, createKey } = setup();
    const { key, apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'disabled' });
    await keygate.keys.enable(apiKey.id);
    expect(await keygate.verify(key)).toMatchObject({ ok: true, key: { id: apiKey.id, disabledAt: null } });
  });

  it('leaves a key that is not disabled as it was', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    expect(await keygate.keys.enable(apiKey.id)).toEqual(apiKey);
  });

  it('refuses an enabling made against an outdated version with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    await expectKeygateError(keygate.keys.enable(apiKey.id, { ifVersion: 1 }), 'conflict');
    expect((await keygate.keys.get(apiKey.id))?.disabledAt).not.toBeNull();
  });

  it('refuses to enable a key that was revoked while disabled with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.disable(apiKey.id);
    await keygate.keys.revoke(apiKey.id);
    await expectKeygateError(keygate.keys.enable(apiKey.id), 'conflict');
  });

  it('throws not_found for an unknown id', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.keys.enable('000000000000'), 'not_found');
  });

  it('reports the enabled key to invalidate', async () => {
    const { keys, invalidated } = bareManager();
    const { apiKey } = await keys.create({ name: 'b', owner: 'o' });
    await keys.disable(apiKey.id);
    invalidated.length = 0;
    await keys.enable(apiKey.id);
    expect(invalidated).toContain(apiKey.id);
  });
});

describe('keys.disable and enable with an actor', () => {
  it('read a key more powerful than the actor as unknown, and change nothing', async () => {
    const { keygate, createKey } = setup();
    const acting = await createKey({ scopes: ['keys:manage'] });
    const actor: Actor = { key: acting.apiKey };
    const admin = await createKey({ scopes: ['admin:*'] });
    await expectKeygateError(keygate.keys.disable(admin.apiKey.id, { actor }), 'not_found');
    await keygate.keys.disable(admin.apiKey.id);
    await expectKeygateError(keygate.keys.enable(admin.apiKey.id, { actor }), 'not_found');
    expect((await keygate.keys.get(admin.apiKey.id))?.version).toBe(2);
  });

  it('disable and enable a key no more powerful than the actor', async () => {
    const { keygate, createKey } = setup();
    const acting = await createKey({ scopes: ['keys:manage', 'users:*'] });
    const actor: Actor = { key: acting.apiKey };
    const { apiKey } = await createKey({ scopes: ['users:read'] });
    expect((await keygate.keys.disable(apiKey.id, { actor })).disabledAt).not.toBeNull();
    expect((await keygate.keys.enable(apiKey.id, { actor })).disabledAt).toBeNull();
  });

  it('let a key disable itself', async () => {
    const { keygate, createKey } = setup();
    const { key, apiKey } = await createKey({ scopes: ['keys:manage'] });
    await keygate.keys.disable(apiKey.id, { actor: { key: apiKey } });
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('refuse a disabled key enabling itself with forbidden', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey({ scopes: ['keys:manage'] });
    const disabled = await keygate.keys.disable(apiKey.id);
    await expectKeygateError(keygate.keys.enable(apiKey.id, { actor: { key: disabled } }), 'forbidden');
    expect((await keygate.keys.get(apiKey.id))?.disabledAt).not.toBeNull();
  });
});

describe('keys.disable and enable: events', () => {
  const context: RequestContext = { route: 'POST /keys/x/disable', ip: '192.0.2.9', userAgent: 'curl/8' };

  it('emit disabled, then enabled, with the key id, owner, time and request context', async () => {
    const { createKey, keygate, events, clock } = withEvents();
    const { apiKey } = await createKey();
    clock.advance(2000);
    await keygate.keys.disable(apiKey.id, { context });
    clock.advance(1000);
    await keygate.keys.enable(apiKey.id, { context });
    const who = { keyId: apiKey.id, owner: apiKey.owner, ...context };
    expect(events.slice(1)).toEqual([
      { type: 'disabled', time: new Date(START + 2000), ...who },
      { type: 'enabled', time: new Date(START + 3000), ...who },
    ]);
  });

  it('emit nothing when the key already is in the state asked for', async () => {
    const { createKey, keygate, events } = withEvents();
    const { apiKey } = await createKey();
    await keygate.keys.enable(apiKey.id);
    await keygate.keys.disable(apiKey.id);
    await keygate.keys.disable(apiKey.id);
    expect(events.map((e) => e.type)).toEqual(['created', 'disabled']);
  });
});
