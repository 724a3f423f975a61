import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseUrl, freshSchemaName, POSTGRES_HINT } from '../../../test/support/postgres.js';
import { freePort } from '../../../test/support/redis-server.js';
import { isKeygateError, KeygateError } from '../src/errors.js';
import { hmacSha256Hasher } from '../src/hash-hmac.js';
import { createKeygate } from '../src/keygate.js';
import { POSTGRES_MIGRATION_SQL, PostgresStore, postgresMigration } from '../src/postgres/index.js';
import { describeKeyStore, makeFullRecord } from './store-conformance.js';

// One fresh schema per run, dropped with everything in it afterwards: the tests touch nothing else.
// An unreachable server fails every test with POSTGRES_HINT; nothing is skipped.
const schema = freshSchemaName();
const table = 'api_keys';
let pool: pg.Pool;
let store: PostgresStore;
let unreachable: Error | undefined;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // an idle connection dropping is not a test failure
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    unreachable = new Error(`${POSTGRES_HINT} (${(error as Error).message})`);
    return;
  }
  await pool.query(`CREATE SCHEMA "${schema}"`);
  store = new PostgresStore({ pool, schema, table });
  await store.migrate();
});

beforeEach(() => {
  if (unreachable) throw unreachable;
});

afterAll(async () => {
  try {
    if (pool && !unreachable) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool?.end();
  }
});

describeKeyStore('PostgresStore', async () => ({
  store,
  cleanup: async () => {
    await pool.query(`TRUNCATE "${schema}"."${table}"`);
  },
}));

describe('PostgresStore migration and options', () => {
  it('migrates idempotently, also when called concurrently', async () => {
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    const other = new PostgresStore({ pool, schema, table: 'fresh_keys' });
    await Promise.all([other.migrate(), other.migrate()]);
    const record = makeFullRecord();
    await other.create(record);
    expect(await other.findById(record.id)).toStrictEqual(record);
    expect(await store.findById(record.id)).toBeNull();
  });

  it('indexes keys by id (primary key) and by owner, created_at', async () => {
    const { rows } = await pool.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [schema, table],
    );
    const defs = rows.map((r) => r.indexdef);
    expect(defs.some((d) => /UNIQUE INDEX .* \(id\)$/.test(d))).toBe(true);
    expect(defs.some((d) => /INDEX .* \(owner, created_at\)$/.test(d))).toBe(true);
  });

  it('ships the migration SQL for the default and for a chosen table', () => {
    expect(POSTGRES_MIGRATION_SQL).toContain('CREATE TABLE IF NOT EXISTS "public"."keygate_keys"');
    expect(POSTGRES_MIGRATION_SQL).toContain('"keygate_keys_owner_idx" ON "public"."keygate_keys" (owner, created_at)');
    expect(postgresMigration({ schema: 'auth', table: 'keys' })).toContain('"auth"."keys"');
  });

  it.each([
    ['a table name with SQL in it', { table: 'keys"; DROP TABLE x; --' }],
    ['a schema name with a dot', { schema: 'a.b' }],
    ['a name starting with a digit', { table: '1keys' }],
    ['a table name too long for its index name', { table: 'k'.repeat(54) }],
    ['an empty schema name', { schema: '' }],
  ])('refuses %s', (_, names) => {
    expect(() => new PostgresStore({ pool, ...names })).toThrow(KeygateError);
    expect(() => postgresMigration(names)).toThrow(KeygateError);
  });

  it('refuses a missing pool', () => {
    expect(() => new PostgresStore({} as never)).toThrow(/pool/);
  });

  it('refuses a cap that is not a non-negative integer', async () => {
    await expect(store.create(makeFullRecord(), { maxActivePerOwner: -1 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

describe('keygate on PostgresStore', () => {
  it('refuses metadata jsonb cannot hold (NUL, unpaired surrogate) with invalid_input before any write', async () => {
    const keygate = createKeygate({ store, hasher: hmacSha256Hasher() });
    const owner = `nul-${freshSchemaName()}`;
    for (const metadata of [{ a: 'x\u0000y' }, { a: 'x\ud800' }]) {
      await expect(keygate.keys.create({ name: 'n', owner, metadata })).rejects.toMatchObject({
        code: 'invalid_input',
        field: 'metadata',
      });
    }
    expect(await store.listByOwner(owner)).toEqual([]);
  });

  it('stores and returns non-ASCII metadata and names as given', async () => {
    const keygate = createKeygate({ store, hasher: hmacSha256Hasher() });
    const metadata = { clé: 'naïve café 🎉', list: ['日本語', 'a\\u0000b'] };
    const { key, apiKey } = await keygate.keys.create({ name: 'Zoë 🎉', owner: 'o', metadata });
    const verified = await keygate.verify(key);
    expect(verified.ok && verified.key).toMatchObject({ name: 'Zoë 🎉', metadata });
    expect((await store.findById(apiKey.id))?.metadata).toStrictEqual(metadata);
  });
});

describe('PostgresStore failures', () => {
  it('rejects with store_unavailable, the pg error as cause, when the server cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    const deadPool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, max: 1 });
    deadPool.on('error', () => {});
    try {
      const dead = new PostgresStore({ pool: deadPool, schema, table });
      const error = await dead.findById('abcdefghijkl').catch((e: unknown) => e);
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
      const keygate = createKeygate({ store: dead, hasher: hmacSha256Hasher() });
      await expect(keygate.keys.list('o')).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await deadPool.end();
    }
  });

  it('rejects with store_unavailable when a query outlives the statement timeout', async () => {
    const record = makeFullRecord();
    await store.create(record);
    const slowPool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: '-c statement_timeout=200' });
    slowPool.on('error', () => {});
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}"."${table}" IN ACCESS EXCLUSIVE MODE`);
      const slow = new PostgresStore({ pool: slowPool, schema, table });
      const error = await slow.findById(record.id).catch((e: unknown) => e);
      expect(isKeygateError(error, 'store_unavailable')).toBe(true);
      expect((error as Error).cause).toMatchObject({ code: '57014' }); // query_canceled
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
      await slowPool.end();
      await pool.query(`TRUNCATE "${schema}"."${table}"`);
    }
  });

  it('passes other pg errors on as they are, e.g. a table that was never migrated', async () => {
    const unmigrated = new PostgresStore({ pool, schema, table: 'never_migrated' });
    const error = await unmigrated.findById('abcdefghijkl').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(KeygateError);
    expect(error).toMatchObject({ code: '42P01' }); // undefined_table
  });
});
