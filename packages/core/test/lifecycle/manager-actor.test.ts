// KeyManager with an `actor`: the delegation rule in the library, as the management routes use it.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/lifecycle/manager.js';
import { setup } from '../support/helpers.js';

const HOUR = 3_600_000;

async function withActor(scopes: string[], extra: Parameters<ReturnType<typeof setup>['createKey']>[0] = {}) {
  const base = setup();
  const actingKey = await base.createKey({ owner: 'acct', scopes, ...extra });
  const actor: Actor = { key: actingKey.apiKey };
  return { ...base, actor, actingKey };
}

describe('KeyManager with an actor', () => {
  it('creates a key no more powerful than the actor', async () => {
    const { keygate, actor } = await withActor(['keys:manage', 'users:*']);
    const { apiKey } = await keygate.keys.create({ name: 'n', owner: 'acct', scopes: ['users:read'] }, { actor });
    expect(apiKey.scopes).toEqual(['users:read']);
  });

  it('refuses with forbidden, naming the field and the unheld scopes, a key more powerful than the actor', async () => {
    const { keygate, actor } = await withActor(['keys:manage']);
    const error = await keygate.keys
      .create({ name: 'n', owner: 'acct', scopes: ['admin:*'] }, { actor })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'forbidden', field: 'scopes' });
    expect(error.message).toContain('admin:*');
  });

  it('reads a more powerful key as unknown in get, list, update, rotate and revoke', async () => {
    const { keygate, actor, createKey } = await withActor(['keys:manage']);
    const admin = await createKey({ owner: 'acct', scopes: ['admin:*'] });
    const id = admin.apiKey.id;
    expect(await keygate.keys.get(id, { actor })).toBeNull();
    expect((await keygate.keys.list('acct', { actor })).keys.map((k) => k.id)).not.toContain(id);
    for (const attempt of [
      keygate.keys.update(id, { name: 'x' }, { actor }),
      keygate.keys.rotate(id, { actor }),
      keygate.keys.revoke(id, { actor }),
    ]) {
      await expect(attempt).rejects.toMatchObject({ code: 'not_found' });
    }
    expect((await keygate.keys.get(id))?.version).toBe(1);
  });

  it('refuses an actor’s change of its own restrictions, and allows its name', async () => {
    const { keygate, actor, actingKey } = await withActor(['keys:manage'], { expiresIn: HOUR });
    const id = actingKey.apiKey.id;
    await expect(keygate.keys.update(id, { expiresIn: HOUR / 2 }, { actor })).rejects.toMatchObject({
      code: 'forbidden',
      field: 'expiresAt',
    });
    expect((await keygate.keys.update(id, { name: 'mine' }, { actor })).name).toBe('mine');
  });
});
