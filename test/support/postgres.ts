// PostgreSQL for tests: DATABASE_URL (default: the local server), and a fresh schema per run,
// dropped afterwards, so tests never touch data outside it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** The database tests use. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A new unique schema name for one test run. */
export function freshSchemaName(): string {
  return `keygate_test_${randomBytes(6).toString('hex')}`;
}

/** The hint given when PostgreSQL cannot be reached. */
export const POSTGRES_HINT =
  'PostgreSQL is needed: install it (Debian/Ubuntu: `apt-get install -y postgresql`) and start it, or set DATABASE_URL.';

/**
 * Registers this file's PostgreSQL hooks: a pool and a fresh schema before the tests, both gone
 * after them. An unreachable server fails every test with POSTGRES_HINT; nothing is skipped.
 */
export function postgresSchema(options: { max?: number } = {}): { readonly schema: string; pool(): pg.Pool } {
  const schema = freshSchemaName();
  let pool: pg.Pool | undefined;
  let unreachable: Error | undefined;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropping is not a test failure
    try {
      await pool.query(`CREATE SCHEMA "${schema}"`);
    } catch (error) {
      unreachable = new Error(`${POSTGRES_HINT} (${(error as Error).message})`);
    }
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
  return {
    schema,
    pool: () => {
      if (pool === undefined || unreachable) throw unreachable ?? new Error('the PostgreSQL hooks have not run yet');
      return pool;
    },
  };
}
