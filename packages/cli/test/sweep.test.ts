// `keygate sweep` against Redis and PostgreSQL: keys expiring soon or long unused, reported or acted on.
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json, type Run } from './support/cli.js';
import { app, cliStores } from './support/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(cliStores())('keygate sweep on $name', (store) => {
  const create = (expiresIn?: number) =>
    app(store).keys.create({ name: 'swept', owner: freshOwner(), scopes: [], ...(expiresIn ? { expiresIn } : {}) });
  const lastUsed = (id: string, msAgo: number) => store.open().update(id, { lastUsedAt: new Date(Date.now() - msAgo) });
  const ids = (run: Run) => (json(run).keys as { id: string }[]).map((k) => k.id);

  it('reports the keys expiring within the duration, and not those expiring later or never', async () => {
    const soon = await create(2 * DAY);
    const later = await create(20 * DAY);
    const never = await create();
    const run = await cli(['sweep', ...store.args(), '--expiring', '7d', '--json']);
    expect(run.code).toBe(0);
    expect(ids(run)).toContain(soon.apiKey.id);
    expect(ids(run)).not.toContain(later.apiKey.id);
    expect(ids(run)).not.toContain(never.apiKey.id);
    expect(json(run).action).toBe('report');
    expect(await app(store).verify(soon.key)).toMatchObject({ ok: true });
  });

  it('reports the keys unused for the duration, and not those used since', async () => {
    const idle = await create();
    const busy = await create();
    await lastUsed(idle.apiKey.id, 100 * DAY);
    await lastUsed(busy.apiKey.id, 10 * DAY);
    const run = await cli(['sweep', ...store.args(), '--unused', '90d', '--json']);
    expect(ids(run)).toContain(idle.apiKey.id);
    expect(ids(run)).not.toContain(busy.apiKey.id);
  });

  it('prints ids, owners, names and dates, never a key or a hash', async () => {
    const soon = await create(3 * HOUR);
    const run = await cli(['sweep', ...store.args(), '--expiring', '4h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(soon.apiKey.id);
    expect(run.stdout).toContain(soon.apiKey.owner);
    expect(run.stdout).toContain(soon.apiKey.expiresAt?.toISOString());
    expect(run.stdout).not.toContain(soon.key);
    expect(run.stdout).not.toMatch(/hmac-sha256\$|scrypt\$/);
  });

  it('revokes the keys found with --action revoke', async () => {
    const soon = await create(30 * 60_000);
    const run = await cli(['sweep', ...store.args(), '--expiring', '1h', '--action', 'revoke', '--json']);
    expect(run.code).toBe(0);
    expect(ids(run)).toContain(soon.apiKey.id);
    expect(json(run).action).toBe('revoke');
    expect(await app(store).verify(soon.key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('disables the keys found with --action disable', async () => {
    const idle = await create();
    await lastUsed(idle.apiKey.id, 400 * DAY);
    const run = await cli(['sweep', ...store.args(), '--unused', '365d', '--action', 'disable']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Disabled ${idle.apiKey.id}`);
    expect(await app(store).verify(idle.key)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('says so when nothing is found', async () => {
    const run = await cli(['sweep', ...store.args(), '--unused', '3000d']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No keys');
  });

  it.each([
    ['neither --expiring nor --unused', []],
    ['both --expiring and --unused', ['--expiring', '1d', '--unused', '1d']],
    ['a duration that is no duration', ['--expiring', 'soon']],
    ['a zero duration', ['--unused', '0']],
    ['an unknown action', ['--expiring', '1d', '--action', 'delete']],
  ])('exits 2 for %s', async (_, args) => {
    expect((await cli(['sweep', ...store.args(), ...args])).code).toBe(2);
  });
});
