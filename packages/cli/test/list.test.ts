// `keygate list` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { cliStores } from './support/stores.js';

const ids = (page: { keys: Array<{ id: string }> }) => page.keys.map((k) => k.id);

describe.each(cliStores())('keygate list on $name', (store) => {
  const create = async (owner: string, name = 'n') =>
    json(await cli(['create', ...store.args(), '--owner', owner, '--name', name, '--json']));

  it("lists an owner's keys as JSON without the key or its hash", async () => {
    const owner = freshOwner();
    const created = await create(owner, 'CI deploy');
    const run = await cli(['list', ...store.args(), '--owner', owner, '--json']);
    expect(ids(json(run))).toEqual([created.apiKey.id]);
    expect(run.stdout).not.toContain(created.key);
    expect(run.stdout).not.toContain('hash');
  });

  it('leaves revoked keys out unless --all is given', async () => {
    const owner = freshOwner();
    const kept = await create(owner, 'kept');
    const revoked = await create(owner, 'revoked');
    json(await cli(['revoke', ...store.args(), revoked.apiKey.id, '--json']));
    expect(ids(json(await cli(['list', ...store.args(), '--owner', owner, '--json'])))).toEqual([kept.apiKey.id]);
    const all = json(await cli(['list', ...store.args(), '--owner', owner, '--all', '--json']));
    expect(ids(all).sort()).toEqual([kept.apiKey.id, revoked.apiKey.id].sort());
  });

  it('lists in pages of --limit, the next one from --cursor', async () => {
    const owner = freshOwner();
    const created: string[] = [];
    for (let i = 0; i < 3; i++) created.push((await create(owner, `k${i}`)).apiKey.id);
    const first = json(await cli(['list', ...store.args(), '--owner', owner, '--limit', '2', '--json']));
    expect(first.keys).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const human = await cli(['list', ...store.args(), '--owner', owner, '--limit', '2']);
    expect(human.stdout).toContain(`--cursor ${first.nextCursor}`);
    const second = json(await cli(['list', ...store.args(), '--owner', owner, '--cursor', first.nextCursor, '--json']));
    expect(second.nextCursor).toBeNull();
    expect([...ids(first), ...ids(second)].sort()).toEqual(created.sort());
  });
});
