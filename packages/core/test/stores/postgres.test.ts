import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, freshSchemaName, postgresSchema } from '../../../../test/support/postgres.js';
import { freePort } from '../../../../test/support/redis-server.js';
import { isKeygateError, KeygateError } from '../../src/errors.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { randomBase62 } from '../../src/key/base62.js';
import { createKeygate } from '../../src/keygate/create.js';
import { POSTGRES_MIGRATION_SQL, PostgresStore, postgresMigration } from '../../src/postgres.js';
import { EXPIRED_SCAN_ALLOWANCE } from '../../src/stores/postgres/page.js';
import { makeFullRecord, makeRecord, randomOwner, T0 } from '../support/records.js';
import { describeKeyStore } from './conformance.js';

// One fresh schema per run, dropped with everything in it afterwards: the tests touch nothing else.
const db = postgresSchema();
const { schema } = db;
const table = 'api_keys';
let pool: pg.Pool;
let store: PostgresStore;

beforeAll(async () => {
  pool = db.pool();
  store = new PostgresStore({ pool, schema, table });
  await store.migrate();
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

  it.each([
    ['keys by id (primary key)', /^CREATE UNIQUE INDEX \S+ ON \S+ USING btree \(id\)$/],
    ['all keys of an owner in listing order', /_list_idx ON \S+ USING btree \(owner, created_at, id COLLATE "C"\)$/],
    [
      'unrevoked keys of an owner in listing order',
      /_live_idx ON \S+ USING btree \(owner, created_at, id COLLATE "C"\) WHERE \(revoked_at IS NULL\)$/,
    ],
    [
      'unrevoked keys of an owner by expiry, for the cap',
      /_cap_idx ON \S+ USING btree \(owner, COALESCE\(expires_at, 'infinity'::timestamp with time zone\)\) WHERE \(revoked_at IS NULL\)$/,
    ],
  ])('indexes %s', async (_, definition) => {
    expect((await indexDefinitions(table)).some((d) => definition.test(d))).toBe(true);
  });

  it('upgrades a table made by the previous migration, which then round-trips a record', async () => {
    const old = 'old_keys_round_trip';
    await pool.query(previousMigration(old));
    const upgraded = new PostgresStore({ pool, schema, table: old });
    await upgraded.migrate();
    const record = makeFullRecord();
    await upgraded.create(record);
    expect(await upgraded.findById(record.id)).toStrictEqual(record);
  });

  it('gives an upgraded table the columns and indexes of a fresh one', async () => {
    const old = 'old_keys_shape';
    await pool.query(previousMigration(old));
    await new PostgresStore({ pool, schema, table: old }).migrate();
    const shape = async (name: string) => ({
      columns: await columnDefinitions(name),
      indexes: (await indexDefinitions(name)).map((d) => d.replaceAll(name, '<table>')).sort(),
    });
    expect(await shape(old)).toStrictEqual(await shape(table));
  });

  it('reads a key written before the upgrade with version 0 and its own id as lineage', async () => {
    const old = 'old_keys_rows';
    await pool.query(previousMigration(old));
    const record = makeRecord();
    await pool.query(
      `INSERT INTO "${schema}"."${old}" (id, owner, prefix, hash, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [record.id, record.owner, record.prefix, record.hash, record.name, record.scopes, record.createdAt],
    );
    const upgraded = new PostgresStore({ pool, schema, table: old });
    await upgraded.migrate();
    expect(await upgraded.findById(record.id)).toStrictEqual({ ...record, lineage: record.id, version: 0 });
  });

  it('ships the migration SQL for the default and for a chosen table', () => {
    expect(POSTGRES_MIGRATION_SQL).toContain('CREATE TABLE IF NOT EXISTS "public"."keygate_keys"');
    expect(POSTGRES_MIGRATION_SQL).toContain(
      '"keygate_keys_list_idx" ON "public"."keygate_keys" (owner, created_at, id COLLATE "C")',
    );
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
    expect(await store.listByOwner(owner, { limit: 10 })).toStrictEqual({ records: [], next: null });
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

describe('PostgresStore listing of active keys', () => {
  it('ends a page early after reading limit + EXPIRED_SCAN_ALLOWANCE expired keys, and goes on from there', async () => {
    const owner = randomOwner();
    const idPrefix = randomBase62(4);
    // 150 keys, one a second, each expired a second after its creation.
    await pool.query(
      `INSERT INTO "${schema}"."${table}" (id, owner, prefix, hash, name, created_at, expires_at)
       SELECT $1 || lpad(g::text, 8, '0'), $2, 'kg_test', 'hmac-sha256$seed', 'expired',
         $3::timestamptz + g * interval '1 second', $3::timestamptz + (g + 1) * interval '1 second'
       FROM generate_series(1, 150) AS g`,
      [idPrefix, owner, new Date(T0).toISOString()],
    );
    const live = makeRecord({ owner, createdAt: new Date(T0 + 1_000_000) });
    await store.create(live);
    const activeAt = T0 + 2_000_000;
    const first = await store.listByOwner(owner, { limit: 10, activeAt });
    const lastRead = 10 + EXPIRED_SCAN_ALLOWANCE;
    expect(first).toStrictEqual({
      records: [],
      next: { createdAt: new Date(T0 + lastRead * 1000), id: `${idPrefix}${String(lastRead).padStart(8, '0')}` },
    });
    const second = await store.listByOwner(owner, { limit: 10, activeAt, after: first.next ?? undefined });
    expect(second).toStrictEqual({ records: [live], next: null });
  });
});

describe('PostgresStore rotation', () => {
  it('refuses a replacement of another owner with invalid_input and writes nothing', async () => {
    const old = makeRecord();
    await store.create(old);
    const replacement = makeRecord();
    const change = { id: old.id, ifVersion: old.version, patch: { replacedBy: replacement.id }, replacement };
    await expect(store.rotate(change)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await store.findById(replacement.id)).toBeNull();
    expect(await store.findById(old.id)).toStrictEqual(old);
  });
});

describe('PostgresStore across instances', () => {
  it('lets exactly one of two stores on separate pools rotate one key version', async () => {
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: databaseUrl, max: 4 }));
    try {
      const stores = pools.map((p) => new PostgresStore({ pool: p, schema, table }));
      const old = makeRecord();
      await store.create(old);
      const replacements = Array.from({ length: 8 }, () => makeRecord({ owner: old.owner, lineage: old.lineage }));
      const results = await Promise.allSettled(
        replacements.map((replacement, i) =>
          (stores[i % 2] as PostgresStore).rotate({
            id: old.id,
            ifVersion: old.version,
            patch: { replacedBy: replacement.id, version: old.version + 1 },
            replacement,
            // Half take the owner's lock as well, so both paths to the key's row lock race.
            maxActivePerOwner: i % 4 < 2 ? 5 : undefined,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'conflict' });
      const stored = (await Promise.all(replacements.map((r) => store.findById(r.id)))).filter((r) => r !== null);
      expect(stored).toHaveLength(1);
      expect((await store.findById(old.id))?.replacedBy).toBe(stored[0]?.id);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
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

// The DDL of the previous release's migration, verbatim: what an upgrade starts from.
function previousMigration(oldTable: string): string {
  const qualified = `"${schema}"."${oldTable}"`;
  return `CREATE TABLE IF NOT EXISTS ${qualified} (
  id text PRIMARY KEY,
  owner text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL,
  name text NOT NULL,
  scopes text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  rate_limits jsonb,
  allowed_ips jsonb,
  replaced_by text
);
CREATE INDEX IF NOT EXISTS "${oldTable}_owner_idx" ON ${qualified} (owner, created_at);
`;
}

async function indexDefinitions(name: string): Promise<string[]> {
  const { rows } = await pool.query<{ indexdef: string }>(
    'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
    [schema, name],
  );
  return rows.map((r) => r.indexdef);
}

async function columnDefinitions(name: string): Promise<string[]> {
  const { rows } = await pool.query<{
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
  }>(
    `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = $2`,
    [schema, name],
  );
  return rows.map((r) => `${r.column_name} ${r.data_type} ${r.is_nullable} ${r.column_default}`).sort();
}
