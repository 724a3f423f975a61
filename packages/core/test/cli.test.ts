// The built `keygate` CLI (dist/cli.js: run `pnpm build` first), run as a child process against
// the real Redis (inject('redisUrl'), a random key prefix removed afterwards) and PostgreSQL (a
// fresh schema, dropped afterwards). Every run also checks that no key ever reaches stderr.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { databaseUrl, freshSchemaName, POSTGRES_HINT } from '../../../test/support/postgres.js';
import type {} from '../../../test/support/redis-global-setup.js';
import { hmacSha256Hasher } from '../src/hashing/hmac.js';
import { randomBase62 } from '../src/key/base62.js';
import { KEY_PATTERN, parseKey } from '../src/key/format.js';
import { createKeygate } from '../src/keygate/create.js';
import { PostgresStore } from '../src/postgres.js';
import { RedisStore } from '../src/redis.js';
import type { KeyStore } from '../src/stores/store.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KEYS_IN_TEXT = new RegExp(KEY_PATTERN.source, 'g');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI; asserts that stderr holds no key. */
async function cli(args: readonly string[], input = '', extraEnv: Record<string, string> = {}): Promise<Run> {
  const env = { ...process.env };
  delete env.KEYGATE_STORE;
  delete env.KEYGATE_PEPPER;
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(KEY_PATTERN);
  return { code, stdout, stderr };
}

function json(run: Run) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

const redisUrl = inject('redisUrl');
const keyPrefix = `keygate-cli-test:${randomBase62(10)}:`;
const schema = freshSchemaName();
let redis: Redis;
let pool: pg.Pool;
let unreachable: Error | undefined;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/core first.`);
  redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    unreachable = new Error(`${POSTGRES_HINT} (${(error as Error).message})`);
  }
});

afterAll(async () => {
  const keys = await redis?.keys(`${keyPrefix}*`);
  if (keys?.length) await redis.del(...keys);
  redis?.disconnect();
  try {
    if (!unreachable) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool?.end();
  }
});

interface StoreCase {
  readonly name: string;
  /** The store options of every command. */
  args(): string[];
  /** The same store, opened in-process, to check what the CLI wrote. */
  open(): KeyStore;
  readonly postgres: boolean;
}

const stores: readonly StoreCase[] = [
  {
    name: 'Redis',
    args: () => ['--store', redisUrl, '--key-prefix', keyPrefix],
    open: () => new RedisStore({ client: redis, keyPrefix }),
    postgres: false,
  },
  {
    name: 'PostgreSQL',
    args: () => ['--store', databaseUrl, '--schema', schema],
    open: () => new PostgresStore({ pool, schema }),
    postgres: true,
  },
];

describe.each(stores)('keygate CLI on $name', (store) => {
  let migrated = false;
  beforeEach(async () => {
    if (!store.postgres) return;
    if (unreachable) throw unreachable;
    if (!migrated) {
      expect((await cli(['migrate', ...store.args()])).code).toBe(0);
      migrated = true;
    }
  });

  const owner = () => `owner_${randomBase62(8)}`;
  const app = () => createKeygate({ store: store.open(), cache: false });

  it('creates a key, lists it as JSON, rotates it and revokes it', async () => {
    const who = owner();
    const created = json(
      await cli([
        'create',
        ...store.args(),
        '--owner',
        who,
        '--name',
        'CI deploy',
        '--scopes',
        'deploy:write,users:read',
        '--expires-in',
        '30d',
        '--json',
      ]),
    );
    expect(created.apiKey).toMatchObject({ owner: who, name: 'CI deploy', scopes: ['deploy:write', 'users:read'] });
    expect(await app().verify(created.key)).toMatchObject({ ok: true, key: { id: created.apiKey.id } });

    const listing = await cli(['list', ...store.args(), '--owner', who, '--json']);
    expect(json(listing).keys.map((k: { id: string }) => k.id)).toEqual([created.apiKey.id]);
    expect(listing.stdout).not.toContain(created.key);
    expect(listing.stdout).not.toContain('hash');

    const rotated = json(await cli(['rotate', ...store.args(), created.apiKey.id, '--grace', '1h', '--json']));
    expect(rotated.apiKey).toMatchObject({ owner: who, name: 'CI deploy', expiresAt: created.apiKey.expiresAt });
    expect(rotated.previous.replacedBy).toBe(rotated.apiKey.id);
    expect(await app().verify(rotated.key)).toMatchObject({ ok: true });
    expect(await app().verify(created.key)).toMatchObject({ ok: true });

    const revoked = json(await cli(['revoke', ...store.args(), rotated.apiKey.id, '--json']));
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    expect(await app().verify(rotated.key)).toMatchObject({ ok: false, reason: 'revoked' });
    const active = json(await cli(['list', ...store.args(), '--owner', who, '--json']));
    expect(active.keys.map((k: { id: string }) => k.id)).toEqual([created.apiKey.id]);
    const all = json(await cli(['list', ...store.args(), '--owner', who, '--all', '--json']));
    expect(all.keys).toHaveLength(2);
  });

  it('lists in pages of --limit, the next one from --cursor', async () => {
    const who = owner();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(json(await cli(['create', ...store.args(), '--owner', who, '--name', `k${i}`, '--json'])).apiKey.id);
    }
    const first = json(await cli(['list', ...store.args(), '--owner', who, '--limit', '2', '--json']));
    expect(first.keys).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const human = await cli(['list', ...store.args(), '--owner', who, '--limit', '2']);
    expect(human.stdout).toContain(`--cursor ${first.nextCursor}`);
    const second = json(await cli(['list', ...store.args(), '--owner', who, '--cursor', first.nextCursor, '--json']));
    expect(second.nextCursor).toBeNull();
    expect([...first.keys, ...second.keys].map((k: { id: string }) => k.id).sort()).toEqual(ids.sort());
  });

  it('prints the created key once, on a line of its own, in human output', async () => {
    const run = await cli(['create', ...store.args(), '--owner', owner(), '--name', 'n']);
    expect(run.code).toBe(0);
    const keys = run.stdout.match(KEYS_IN_TEXT) ?? [];
    expect(keys).toHaveLength(1);
    expect(run.stdout.split('\n')).toContain(keys[0]);
  });

  it('exits 3 for an unknown key id', async () => {
    expect((await cli(['revoke', ...store.args(), '000000000000'])).code).toBe(3);
    expect((await cli(['rotate', ...store.args(), '000000000000'])).code).toBe(3);
  });

  it('exits 4 when rotating a revoked key, or one already rotated', async () => {
    const who = owner();
    const first = json(await cli(['create', ...store.args(), '--owner', who, '--name', 'a', '--json']));
    json(await cli(['rotate', ...store.args(), first.apiKey.id, '--grace', '1h', '--json']));
    expect((await cli(['rotate', ...store.args(), first.apiKey.id])).code).toBe(4);
    const second = json(await cli(['create', ...store.args(), '--owner', who, '--name', 'b', '--json']));
    expect((await cli(['revoke', ...store.args(), second.apiKey.id])).code).toBe(0);
    expect((await cli(['rotate', ...store.args(), second.apiKey.id])).code).toBe(4);
  });

  it('exits 4 when the owner is at --max-keys-per-owner', async () => {
    const who = owner();
    const create = () => cli(['create', ...store.args(), '--owner', who, '--name', 'n', '--max-keys-per-owner', '1']);
    expect((await create()).code).toBe(0);
    const refused = await create();
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
  });

  it('refuses a whole key where a key id belongs (exit 2) and never echoes it', async () => {
    const created = json(await cli(['create', ...store.args(), '--owner', owner(), '--name', 'n', '--json']));
    const run = await cli(['revoke', ...store.args(), created.key]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key id');
    expect(await app().verify(created.key)).toMatchObject({ ok: true });
  });
});

describe('keygate CLI without a store', () => {
  it('prints help with the exit codes and exits 0 on --help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 .*usage.*\n {2}3 .*not found.*\n {2}4 .*conflict/,
    );
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['frob']],
    ['an unknown option', ['list', '--store', 'redis://127.0.0.1:1', '--owner', 'o', '--verbose']],
    ['a missing --owner', ['create', '--store', 'redis://127.0.0.1:1', '--name', 'n']],
    ['a missing --store', ['list', '--owner', 'o']],
    ['a memory: store', ['list', '--store', 'memory:', '--owner', 'o']],
    ['an unsupported store URL', ['list', '--store', 'mysql://localhost/db', '--owner', 'o']],
    [
      'a duration without a unit',
      ['create', '--store', 'redis://127.0.0.1:1', '--owner', 'o', '--name', 'n', '--expires-in', '30'],
    ],
    ['revoke without an id', ['revoke', '--store', 'redis://127.0.0.1:1']],
    ['hash with an argument', ['hash', 'kg_x']],
    ['migrate on Redis', ['migrate', '--store', 'redis://127.0.0.1:1']],
    ['an unknown hasher', ['generate', '--hasher', 'md5']],
    ['an invalid prefix', ['generate', '--prefix', 'Not-A-Prefix']],
  ])('exits 2 for %s', async (_, args) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keygate: /);
    expect(run.stdout).toBe('');
  });

  it('exits 1 when the store cannot be reached, without printing its password', async () => {
    const run = await cli(['list', '--store', 'redis://admin:hunter2-secret@127.0.0.1:1', '--owner', 'o']);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('hunter2-secret');
  });

  it('generates a key offline with its id and a hash that verifies its secret', async () => {
    const out = json(await cli(['generate', '--prefix', 'sk_live', '--json']));
    const parsed = parseKey(out.key);
    if (!parsed.ok) throw new Error('generate printed no key');
    expect(parsed.key).toMatchObject({ prefix: 'sk_live', id: out.id });
    expect(await hmacSha256Hasher().verify(parsed.key.secret, out.hash)).toBe(true);
  });

  it('hashes a key read from stdin', async () => {
    const { key } = json(await cli(['generate', '--json']));
    const parsed = parseKey(key);
    if (!parsed.ok) throw new Error('generate printed no key');
    const out = json(await cli(['hash', '--json'], `${key}\n`));
    expect(out.id).toBe(parsed.key.id);
    expect(await hmacSha256Hasher().verify(parsed.key.secret, out.hash)).toBe(true);
    expect(JSON.stringify(out)).not.toContain(key);
  });

  it('hashes with hmac-sha256 and the pepper from KEYGATE_PEPPER', async () => {
    const pepper = 'p'.repeat(32);
    const { key } = json(await cli(['generate', '--json']));
    const parsed = parseKey(key);
    if (!parsed.ok) throw new Error('generate printed no key');
    const out = json(await cli(['hash', '--hasher', 'hmac-sha256', '--json'], key, { KEYGATE_PEPPER: pepper }));
    expect(out.hash).toMatch(/^hmac-sha256\$default\$/);
    expect(await hmacSha256Hasher({ pepper }).verify(parsed.key.secret, out.hash)).toBe(true);
  });

  it('creates a key through the KEYGATE_STORE environment variable', async () => {
    const out = json(
      await cli(['create', '--key-prefix', keyPrefix, '--owner', 'env_owner', '--name', 'n', '--json'], '', {
        KEYGATE_STORE: redisUrl,
      }),
    );
    expect(out.apiKey.owner).toBe('env_owner');
  });

  it('exits 2 when stdin holds a key with a typo, without echoing it', async () => {
    const { key } = json(await cli(['generate', '--json']));
    const typo = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const run = await cli(['hash'], typo);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('checksum');
    expect(run.stderr).not.toContain(typo);
  });
});
