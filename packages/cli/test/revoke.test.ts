// `keygate revoke` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

describe.each(cliStores())('keygate revoke on $name', (store) => {
  const create = async () =>
    json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n', '--json']));

  it('revokes a key, which then fails verification as revoked', async () => {
    const created = await create();
    const revoked = json(await cli(['revoke', ...store.args(), created.apiKey.id, '--json']));
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    expect(await app(store).verify(created.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('exits 3 for an unknown key id', async () => {
    expect((await cli(['revoke', ...store.args(), '000000000000'])).code).toBe(3);
  });

  it('refuses a whole key where a key id belongs (exit 2) and never echoes it', async () => {
    const created = await create();
    const run = await cli(['revoke', ...store.args(), created.key]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key id');
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true });
  });
});
