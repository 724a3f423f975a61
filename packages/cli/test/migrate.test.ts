// `keygate migrate` on PostgreSQL, in a schema of its own (dropped afterwards).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, freshSchemaName, POSTGRES_HINT } from '../../../test/support/postgres.js';
import { cli } from './support/cli.js';

const schema = freshSchemaName();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 5_000 });
pool.on('error', () => {});

beforeAll(async () => {
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    throw new Error(`${POSTGRES_HINT} (${(error as Error).message})`);
  }
});

afterAll(async () => {
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
});

const migrate = () => cli(['migrate', '--store', databaseUrl, '--schema', schema, '--table', 'api_keys']);

describe('keygate migrate', () => {
  it('creates the key table in the given schema and table', async () => {
    const run = await migrate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('in place');
    const { rows } = await pool.query('SELECT to_regclass($1) AS found', [`"${schema}".api_keys`]);
    expect(rows[0].found).not.toBeNull();
  });

  it('succeeds again on a table already in place', async () => {
    expect((await migrate()).code).toBe(0);
    expect((await migrate()).code).toBe(0);
  });
});
