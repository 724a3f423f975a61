// `keygate audit` against Redis and PostgreSQL: events written by an app's audit sink, read back.
import { createKeygate } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { cli, freshOwner, json } from './support/cli.js';
import { cliStores, type StoreCase } from './support/stores.js';

type EventJson = { type: string; keyId: string | null; owner: string | null; time: string };

// An app on the store with its audit sink: one key of `owner`, used and changed; the events written.
async function history(store: StoreCase, owner: string) {
  const audit = store.openAudit();
  const keygate = createKeygate({ store: store.open(), prefix: 'sk_live', audit });
  const { key, apiKey } = await keygate.keys.create({ name: 'audited', owner });
  await keygate.verify(key);
  await keygate.keys.update(apiKey.id, { name: 'renamed' });
  await keygate.keys.disable(apiKey.id);
  await keygate.close();
  return { key, id: apiKey.id };
}

describe.each(cliStores())('keygate audit on $name', (store) => {
  const audit = (...args: string[]) => cli(['audit', ...store.args(), ...args]);

  it("prints a key's events as JSON, newest first, without the key", async () => {
    const { key, id } = await history(store, freshOwner());
    const run = await audit('--key', id, '--json');
    const { events, nextCursor } = json(run);
    expect(events.map((e: EventJson) => e.type)).toEqual(['disabled', 'updated', 'created']);
    expect(nextCursor).toBeNull();
    expect(run.stdout).not.toContain(key);
  });

  it("prints an owner's events, one line each", async () => {
    const owner = freshOwner();
    const { id } = await history(store, owner);
    const run = await audit('--owner', owner);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-.*Z  disabled +${id}  ${owner}$`));
  });

  it('keeps to --since and --until, as dates or durations ago', async () => {
    const { id } = await history(store, freshOwner());
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(json(await audit('--key', id, '--since', '1h', '--json')).events).toHaveLength(3);
    expect(json(await audit('--key', id, '--since', tomorrow, '--json')).events).toHaveLength(0);
    expect(json(await audit('--key', id, '--until', '1h', '--json')).events).toHaveLength(0);
    expect(json(await audit('--key', id, '--until', `${tomorrow}T00:00Z`, '--json')).events).toHaveLength(3);
  });

  it('pages with --limit, the next page from --cursor', async () => {
    const { id } = await history(store, freshOwner());
    const first = json(await audit('--key', id, '--limit', '2', '--json'));
    expect(first.events).toHaveLength(2);
    const human = await audit('--key', id, '--limit', '2');
    expect(human.stdout).toContain(`--cursor ${first.nextCursor}`);
    const second = json(await audit('--key', id, '--cursor', first.nextCursor, '--json'));
    expect(second.events.map((e: EventJson) => e.type)).toEqual(['created']);
    expect(second.nextCursor).toBeNull();
  });

  it('says so when there are no events', async () => {
    const run = await audit('--owner', freshOwner());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('No events.\n');
  });

  it('refuses a cursor it never gave with exit code 2', async () => {
    const run = await audit('--owner', 'o', '--cursor', 'bm90LWEtY3Vyc29y');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cursor/);
  });
});

describe('keygate audit usage', () => {
  it.each([
    [['audit', '--store', 'redis://127.0.0.1:1'], /--key ID or --owner O/],
    [['audit', '--store', 'redis://127.0.0.1:1', '--key', 'k', '--limit', '0'], /--limit/],
    [['audit', '--store', 'redis://127.0.0.1:1', '--key', 'k', '--since', 'yesterday'], /--since must be/],
    [['audit', '--store', 'redis://127.0.0.1:1', '--key', 'k', '--until', '2026-13-45'], /--until must be/],
    [['audit', '--store', 'redis://127.0.0.1:1', '--key', 'k', '--name', 'x'], /name/],
    [['migrate', '--store', 'postgres://127.0.0.1:1/x', '--audit-table', 't'], /--audit-table goes with --audit/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
