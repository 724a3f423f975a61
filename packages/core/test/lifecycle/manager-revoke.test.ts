// KeyManager.revoke (keygate.keys.revoke): a revoked key stops working at once, for good.
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/events.js';
import { bareManager, expectKeygateError, START, setup, withEvents } from '../support/helpers.js';

describe('keys.revoke', () => {
  it('marks the key revoked at the current time and returns it', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    clock.advance(5000);
    const revoked = await keygate.keys.revoke(apiKey.id);
    expect(revoked).toEqual({ ...apiKey, revokedAt: new Date(START + 5000), version: 2 });
    expect(await keygate.keys.get(apiKey.id)).toEqual(revoked);
  });

  it('makes verification reject the key at once, though it was cached', async () => {
    const { createKey, keygate, clock } = setup();
    const { key, apiKey } = await createKey();
    await keygate.verify(key);
    clock.advance(5000);
    expect((await keygate.keys.revoke(apiKey.id)).revokedAt).toEqual(new Date(START + 5000));
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('is idempotent and keeps the first revocation time', async () => {
    const { keygate, clock, createKey } = setup();
    const { apiKey } = await createKey();
    const first = await keygate.keys.revoke(apiKey.id);
    clock.advance(5000);
    expect(await keygate.keys.revoke(apiKey.id)).toEqual(first);
  });

  it('refuses a revocation made against an outdated version with conflict', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await keygate.keys.update(apiKey.id, { name: 'first' });
    await expectKeygateError(keygate.keys.revoke(apiKey.id, { ifVersion: 1 }), 'conflict');
    expect((await keygate.keys.get(apiKey.id))?.revokedAt).toBeNull();
  });

  it('throws not_found for an unknown id', async () => {
    const { keygate } = setup();
    await expectKeygateError(keygate.keys.revoke('000000000000'), 'not_found');
  });

  it('reports the revoked key to invalidate', async () => {
    const { keys, invalidated } = bareManager();
    const { apiKey } = await keys.create({ name: 'b', owner: 'o' });
    await keys.revoke(apiKey.id);
    expect(invalidated).toContain(apiKey.id);
  });
});

describe('keys.revoke: events', () => {
  const context: RequestContext = { route: 'POST /admin/keys', ip: '192.0.2.9', userAgent: 'curl/8' };

  it('emits revoked with the key id, owner, time and request context', async () => {
    const { createKey, keygate, events, clock } = withEvents();
    const { apiKey } = await createKey();
    clock.advance(2000);
    await keygate.keys.revoke(apiKey.id, { context });
    expect(events.slice(1)).toEqual([
      { type: 'revoked', time: new Date(START + 2000), keyId: apiKey.id, owner: apiKey.owner, ...context },
    ]);
  });

  it('emits nothing when revoking a key that was already revoked', async () => {
    const { createKey, keygate, events } = withEvents();
    const { apiKey } = await createKey();
    await keygate.keys.revoke(apiKey.id);
    await keygate.keys.revoke(apiKey.id);
    expect(events.map((e) => e.type)).toEqual(['created', 'revoked']);
  });
});
