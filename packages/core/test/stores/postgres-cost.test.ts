// What PostgresStore's reads and writes cost, measured in rows touched rather than time: an owner
// with 20,000 revoked keys must list its active keys and create a key at the cost of an owner
// with 3. Each statement the store sends is recorded, then replayed under EXPLAIN ANALYZE (rolled
// back), and the rows every plan node read are summed.
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import { PostgresStore } from '../../src/postgres.js';
import { type Recorded, recordingPool, rowsTouched as touched } from '../support/postgres-statements.js';
import { at, makeRecord } from '../support/records.js';

const db = postgresSchema({ max: 4 });
const table = 'cost_keys';
const { schema } = db;
const qualified = `"${schema}"."${table}"`;
const REVOKED_KEYS = 20_000;
// Both owners' active keys sit at these offsets (seconds), among the heavy owner's revoked ones.
const ACTIVE_AT_SECONDS = [5_000, 10_000, 15_000];
const HEAVY = 'owner-heavy';
const LIGHT = 'owner-light';
let pool: pg.Pool;

beforeAll(async () => {
  pool = db.pool();
  const store = new PostgresStore({ pool, schema, table });
  await store.migrate();
  // One revoked key a second, the heavy owner's whole history, in one statement.
  await pool.query(
    `INSERT INTO ${qualified} (id, owner, prefix, hash, name, created_at, revoked_at)
     SELECT 'rv' || lpad(g::text, 10, '0'), $1, 'kg_test', 'hmac-sha256$seed', 'revoked',
       $2::timestamptz + g * interval '1 second', $2::timestamptz + g * interval '1 second' + interval '1 hour'
     FROM generate_series(1, $3::int) AS g`,
    [HEAVY, at(0).toISOString(), REVOKED_KEYS],
  );
  for (const owner of [HEAVY, LIGHT]) {
    for (const s of ACTIVE_AT_SECONDS) await store.create(makeRecord({ owner, createdAt: at(s) }));
  }
  await pool.query(`ANALYZE ${qualified}`);
});

describe('PostgresStore cost with a long revoked history', () => {
  it('lists a page of active keys touching as many rows for 20,000 revoked keys as for none', async () => {
    const list = (owner: string) => (store: PostgresStore) =>
      store.listByOwner(owner, { limit: 10, activeAt: at(REVOKED_KEYS + 7_200).getTime() });
    const heavy = await measure(list(HEAVY));
    const light = await measure(list(LIGHT));
    expect(heavy.result.records).toHaveLength(ACTIVE_AT_SECONDS.length);
    expect(light.result.records).toHaveLength(ACTIVE_AT_SECONDS.length);
    expect(heavy.rowsTouched).toBe(light.rowsTouched);
    expect(heavy.rowsTouched).toBeLessThan(100);
  });

  it('creates a key under maxActivePerOwner touching as many rows for 20,000 revoked keys as for none', async () => {
    const create = (owner: string) => (store: PostgresStore) =>
      store.create(makeRecord({ owner, createdAt: at(REVOKED_KEYS + 7_200) }), { maxActivePerOwner: 10 });
    const heavy = await measure(create(HEAVY));
    const light = await measure(create(LIGHT));
    expect(heavy.rowsTouched).toBe(light.rowsTouched);
    expect(heavy.rowsTouched).toBeLessThan(100);
  });
});

// Runs `operation` on a store whose pool records every statement, then sums the rows touched by
// replaying each SELECT, INSERT or UPDATE (a WITH included). The replay sees the state after the
// operation (e.g. the created key exists), alike for both owners compared.
async function measure<T>(
  operation: (store: PostgresStore) => Promise<T>,
): Promise<{ result: T; rowsTouched: number; statements: Recorded[] }> {
  const statements: Recorded[] = [];
  const store = new PostgresStore({ pool: recordingPool(pool, statements), schema, table });
  const result = await operation(store);
  let rowsTouched = 0;
  for (const statement of statements) {
    if (/^\s*(SELECT|INSERT|UPDATE|WITH)\b/i.test(statement.text)) rowsTouched += await touched(pool, statement);
  }
  return { result, rowsTouched, statements };
}
