// `keygate create` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json, KEYS_IN_TEXT } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

describe.each(cliStores())('keygate create on $name', (store) => {
  it('creates a key with the given owner, name, scopes and expiry that the application verifies', async () => {
    const owner = freshOwner();
    const created = json(
      await cli([
        'create',
        ...store.args(),
        '--owner',
        owner,
        '--name',
        'CI deploy',
        '--scopes',
        'deploy:write,users:read',
        '--expires-in',
        '30d',
        '--json',
      ]),
    );
    expect(created.apiKey).toMatchObject({ owner, name: 'CI deploy', scopes: ['deploy:write', 'users:read'] });
    expect(Date.parse(created.apiKey.expiresAt) - Date.parse(created.apiKey.createdAt)).toBe(30 * 86_400_000);
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true, key: { id: created.apiKey.id } });
  });

  it('makes an sk_live key by default, which the README quick start verifies', async () => {
    const created = json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n', '--json']));
    expect(created.key).toMatch(/^sk_live_/);
    expect(created.apiKey.prefix).toBe('sk_live');
    expect(await app(store).verify(created.key)).toMatchObject({ ok: true });
  });

  it('prints the created key once, on a line of its own, in human output', async () => {
    const run = await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n']);
    expect(run.code).toBe(0);
    const keys = run.stdout.match(KEYS_IN_TEXT) ?? [];
    expect(keys).toHaveLength(1);
    expect(run.stdout.split('\n')).toContain(keys[0]);
  });

  it('exits 4 without printing a key when the owner is at --max-keys-per-owner', async () => {
    const owner = freshOwner();
    const create = () => cli(['create', ...store.args(), '--owner', owner, '--name', 'n', '--max-keys-per-owner', '1']);
    expect((await create()).code).toBe(0);
    const refused = await create();
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
  });
});
