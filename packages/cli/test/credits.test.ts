// `keygate credits get|set|add` against Redis and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

describe.each(cliStores())('keygate credits on $name', (store) => {
  const credits = (...args: string[]) => cli(['credits', ...args, ...store.args()]);

  it("sets an owner's allowance with a monthly refill and reads it back", async () => {
    const owner = freshOwner();
    const set = json(await credits('set', '--owner', owner, '--remaining', '900', '--refill', '1000/month', '--json'));
    expect(set.credits).toMatchObject({ remaining: 900, refill: { amount: 1000, interval: 'month', at: 1 } });
    const got = json(await credits('get', '--owner', owner, '--json'));
    expect(got.credits).toEqual(set.credits);
    expect((await app(store).credits.get({ owner }))?.remaining).toBe(900);
  });

  it("adds to a key's own allowance, and takes away with a negative amount", async () => {
    const created = json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n', '--json']));
    await credits('set', '--key', created.apiKey.id, '--remaining', '10');
    expect(json(await credits('add', '--key', created.apiKey.id, '--amount', '5', '--json')).credits.remaining).toBe(
      15,
    );
    expect(json(await credits('add', '--key', created.apiKey.id, '--amount=-20', '--json')).credits.remaining).toBe(0);
  });

  it('says in its human output what is left and when it refills', async () => {
    const owner = freshOwner();
    await credits('set', '--owner', owner, '--remaining', '5', '--refill', '50/day', '--refill-at', '3');
    const run = await credits('get', '--owner', owner);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Owner .+: 5 credits left; refills to 50 at \d{4}-\d{2}-\d{2}T03:00:00\.000Z\.\n$/);
  });

  it('reports an owner without an allowance as not metered', async () => {
    const run = await credits('get', '--owner', freshOwner());
    expect(run.stdout).toContain('no credit allowance');
  });

  it('exits 3 adding to an owner without an allowance, and for an unknown key id', async () => {
    expect((await credits('add', '--owner', freshOwner(), '--amount', '5')).code).toBe(3);
    expect((await credits('get', '--key', '000000000000')).code).toBe(3);
  });

  it.each([
    [['set', '--owner', 'o']],
    [['set', '--owner', 'o', '--remaining', '1', '--refill', 'lots']],
    [['add', '--owner', 'o', '--amount', '1.5']],
    [['get']],
    [['get', '--owner', 'o', '--key', '000000000000']],
    [['spend', '--owner', 'o']],
  ])('exits 2 for the usage error %j', async (args) => {
    expect((await credits(...args)).code).toBe(2);
  });

  it('refuses a whole key where a key id belongs (exit 2) and never echoes it', async () => {
    const created = json(await cli(['create', ...store.args(), '--owner', freshOwner(), '--name', 'n', '--json']));
    const run = await credits('get', '--key', created.key);
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).not.toContain(created.key.split('_').at(-1));
  });
});
