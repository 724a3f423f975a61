// PostgresStore's credits table: what the migration makes (also from a table of the previous
// release), what its constraints refuse, odd rows failing closed, and READ COMMITTED at work: a
// spend or a refill that waited for a concurrent change decides on the row as that change left it
// (the CreditStore behaviour itself is the conformance suite's, credits part).
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import type { CreditState } from '../../src/credits/allowance.js';
import { isKeygateError } from '../../src/errors.js';
import { PostgresStore } from '../../src/postgres.js';
import { until } from '../support/poll.js';
import { makeFullRecord, randomOwner, T0 } from '../support/records.js';

const db = postgresSchema();
const { schema } = db;
const table = 'credit_keys';
const credits = `"${schema}"."${table}_credits"`;
const LINEAGE = 'AAAAAAAAAAAA';
const plain = (remaining: number): CreditState => ({ remaining, refill: null, refillAt: null });
const daily = (remaining: number, refillAt: number): CreditState => ({
  remaining,
  refill: { amount: 100, interval: 'day', at: 3 },
  refillAt,
});
let pool: pg.Pool;
let store: PostgresStore;

beforeAll(async () => {
  pool = db.pool();
  store = new PostgresStore({ pool, schema, table });
  await store.migrate();
});

describe('PostgresStore credits table', () => {
  it('is made by the migration of a table from the release before credits, which keeps its keys', async () => {
    const old = 'pre_credit_keys';
    await pool.query(migrationBeforeCredits(old));
    const record = makeFullRecord();
    const upgraded = new PostgresStore({ pool, schema, table: old });
    await upgraded.create(record);
    await upgraded.migrate();
    await upgraded.migrate();
    expect(await upgraded.findById(record.id)).toStrictEqual(record);
    expect(await tableShape(`${old}_credits`)).toStrictEqual(await tableShape(`${table}_credits`));
    expect(await tableShape(old)).toStrictEqual(await tableShape(table));
    const owner = randomOwner();
    await upgraded.setCredits({ owner }, daily(5, T0 + 1000));
    expect(await upgraded.spendCredits(owner, undefined, 2, T0)).toStrictEqual({
      outcome: 'spent',
      owner: daily(3, T0 + 1000),
      key: null,
    });
  });

  it('is made for the longest table name allowed (53 characters)', async () => {
    const longest = new PostgresStore({ pool, schema, table: 'k'.repeat(53) });
    await longest.migrate();
    const owner = randomOwner();
    await longest.setCredits({ owner, lineage: LINEAGE }, plain(4));
    expect(await longest.getCredits({ owner, lineage: LINEAGE })).toStrictEqual(plain(4));
  });

  it('refuses a negative count whoever writes it', async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, plain(1));
    const error = await pool
      .query(`UPDATE ${credits} SET remaining = remaining - 2 WHERE owner = $1`, [owner])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23514' }); // check_violation
  });

  it('refuses a refill plan given in part', async () => {
    const error = await pool
      .query(`INSERT INTO ${credits} (owner, lineage, remaining, refill_amount) VALUES ($1, '', 1, 5)`, [randomOwner()])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23514' });
  });

  it.each([
    ['an unknown interval', ['5', 'week', '0']],
    ['a refill plan of 0 credits', ['0', 'day', '0']],
    ['an hour of day past 23', ['5', 'day', '24']],
    ['a period shorter than a second', ['5', '999', '0']],
  ])('answers a row with %s with store_unavailable', async (_, [amount, interval, anchor]) => {
    const owner = randomOwner();
    await pool.query(
      `INSERT INTO ${credits} (owner, lineage, remaining, refill_amount, refill_interval, refill_anchor, refill_at)
       VALUES ($1, '', 10, $2, $3, $4, $5)`,
      [owner, amount, interval, anchor, T0 + 1000],
    );
    for (const call of [() => store.getCredits({ owner }), () => store.spendCredits(owner, undefined, 1, T0)]) {
      expect(isKeygateError(await call().catch((e: unknown) => e), 'store_unavailable')).toBe(true);
    }
  });
});

describe('PostgresStore credits under READ COMMITTED', () => {
  // Runs `change` in a transaction holding the row's lock, starts `call` (which waits for the
  // lock), commits once it waits, and returns what `call` answered.
  async function afterConcurrent<T>(change: string, params: unknown[], call: () => Promise<T>): Promise<T> {
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(change, params);
      const answer = call();
      await until('the call to wait for the row lock', async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [`%${table}_credits%`],
        );
        return rows[0].waiting > 0;
      });
      await other.query('COMMIT');
      return await answer;
    } finally {
      other.release();
    }
  }

  it('decides a spend on the count a concurrent spend left, never on the one it began with', async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, plain(10));
    const spend = await afterConcurrent(`UPDATE ${credits} SET remaining = 1 WHERE owner = $1`, [owner], () =>
      store.spendCredits(owner, undefined, 2, T0),
    );
    expect(spend).toStrictEqual({ outcome: 'insufficient', owner: plain(1), key: null });
  });

  it("spends from the key lineage's count a concurrent change left", async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, plain(10));
    await store.setCredits({ owner, lineage: LINEAGE }, plain(10));
    const spend = await afterConcurrent(
      `UPDATE ${credits} SET remaining = 4 WHERE owner = $1 AND lineage = $2`,
      [owner, LINEAGE],
      () => store.spendCredits(owner, LINEAGE, 3, T0),
    );
    expect(spend).toStrictEqual({ outcome: 'spent', owner: plain(7), key: plain(1) });
  });

  it('answers a refill that lost the race with the allowance the winner left', async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, daily(3, T0));
    const winner = `UPDATE ${credits} SET remaining = 100, refill_at = $2 WHERE owner = $1`;
    const refill = await afterConcurrent(winner, [owner, T0 + 5000], () =>
      store.refillCredits({ owner }, T0, T0 + 9000),
    );
    expect(refill).toStrictEqual(daily(100, T0 + 5000));
    expect(await store.getCredits({ owner })).toStrictEqual(daily(100, T0 + 5000));
  });
});

// The DDL of the release before credits, verbatim: what an upgrade starts from.
function migrationBeforeCredits(oldTable: string): string {
  const qualified = `"${schema}"."${oldTable}"`;
  const index = (suffix: string) => `"${oldTable}${suffix}"`;
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
  replaced_by text,
  lineage text,
  version integer NOT NULL DEFAULT 0,
  disabled_at timestamptz
);
ALTER TABLE ${qualified}
  ADD COLUMN IF NOT EXISTS lineage text,
  ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
CREATE INDEX IF NOT EXISTS ${index('_list_idx')} ON ${qualified} (owner, created_at, id COLLATE "C");
CREATE INDEX IF NOT EXISTS ${index('_live_idx')} ON ${qualified} (owner, created_at, id COLLATE "C")
  WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index('_cap_idx')} ON ${qualified}
  (owner, (coalesce(expires_at, 'infinity'::timestamptz))) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index('_exp_idx')} ON ${qualified} (expires_at, id COLLATE "C")
  WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${index('_idle_idx')} ON ${qualified}
  ((coalesce(last_used_at, created_at)), id COLLATE "C") WHERE revoked_at IS NULL;
DROP INDEX IF EXISTS "${schema}"."${oldTable}_owner_idx";
`;
}

// A table's columns, indexes and constraints, with its name written as <table>.
async function tableShape(name: string): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-') AS line
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
     UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2
     UNION ALL SELECT pg_get_constraintdef(c.oid) FROM pg_constraint AS c
       JOIN pg_class AS t ON t.oid = c.conrelid JOIN pg_namespace AS n ON n.oid = t.relnamespace
       WHERE n.nspname = $1 AND t.relname = $2`,
    [schema, name],
  );
  return rows.map((r) => r.line.replaceAll(name, '<table>')).sort();
}
