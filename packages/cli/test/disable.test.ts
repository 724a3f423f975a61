// `keygate disable` and `keygate enable` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

describe.each(cliStores())('keygate disable and enable on $name', (store) => {
  const create = async () =>
    json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n', '--json']));

  it('disables a key, which then fails verification as disabled', async () => {
    const created = await create();
    const disabled = json(await cli(['disable', ...store.args(), created.apiKey.id, '--json']));
    expect(disabled.apiKey.disabledAt).not.toBeNull();
    expect(await app(store).verify(created.key)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('enables a disabled key, which then verifies again', async () => {
    const created = await create();
    await cli(['disable', ...store.args(), created.apiKey.id]);
    const enabled = json(await cli(['enable', ...store.args(), created.apiKey.id, '--json']));
    expect(enabled.apiKey.disabledAt).toBeNull();
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true });
  });

  it('says in its human output what it did, and that a second disable changed nothing', async () => {
    const created = await create();
    const first = await cli(['disable', ...store.args(), created.apiKey.id]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Disabled key ${created.apiKey.id}`);
    expect((await cli(['disable', ...store.args(), created.apiKey.id])).stdout).toContain('already disabled');
    expect((await cli(['enable', ...store.args(), created.apiKey.id])).stdout).toContain(`Enabled key`);
  });

  it('exits 3 for an unknown key id', async () => {
    expect((await cli(['disable', ...store.args(), '000000000000'])).code).toBe(3);
    expect((await cli(['enable', ...store.args(), '000000000000'])).code).toBe(3);
  });

  it('exits 4 for a revoked key', async () => {
    const created = await create();
    await cli(['revoke', ...store.args(), created.apiKey.id]);
    expect((await cli(['disable', ...store.args(), created.apiKey.id])).code).toBe(4);
  });

  it('refuses a whole key where a key id belongs (exit 2) and never echoes it', async () => {
    const created = await create();
    const run = await cli(['disable', ...store.args(), created.key]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key id');
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true });
  });
});
