// `keygate rotate` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

describe.each(cliStores())('keygate rotate on $name', (store) => {
  const create = async (...extra: string[]) =>
    json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'CI deploy', ...extra, '--json']));
  const rotate = async (id: string, ...extra: string[]) =>
    json(await cli(['rotate', ...store.args(), id, ...extra, '--json']));

  it("prints a replacement with the old key's owner, name and expiry that the application verifies", async () => {
    const created = await create('--expires-in', '30d');
    const rotated = await rotate(created.apiKey.id);
    const { owner, name, expiresAt } = created.apiKey;
    expect(rotated.apiKey).toMatchObject({ owner, name, expiresAt });
    expect(rotated.previous.replacedBy).toBe(rotated.apiKey.id);
    expect(await app(store).verify(rotated.key)).toMatchObject({ ok: true });
  });

  it('keeps the old key working for the --grace period', async () => {
    const created = await create();
    await rotate(created.apiKey.id, '--grace', '1h');
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true });
  });

  it('revokes the old key at once without --grace', async () => {
    const created = await create();
    const rotated = await rotate(created.apiKey.id);
    expect(rotated.previous.revokedAt).not.toBeNull();
    expect(await app(store).verify(created.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('exits 3 for an unknown key id', async () => {
    expect((await cli(['rotate', ...store.args(), '000000000000'])).code).toBe(3);
  });

  it('exits 4 when rotating a key already rotated', async () => {
    const created = await create();
    await rotate(created.apiKey.id, '--grace', '1h');
    expect((await cli(['rotate', ...store.args(), created.apiKey.id])).code).toBe(4);
  });

  it('exits 4 when rotating a revoked key', async () => {
    const created = await create();
    expect((await cli(['revoke', ...store.args(), created.apiKey.id])).code).toBe(0);
    expect((await cli(['rotate', ...store.args(), created.apiKey.id])).code).toBe(4);
  });
});
