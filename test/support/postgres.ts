// PostgreSQL for tests: DATABASE_URL (default: the local server), and a fresh schema per run,
// dropped afterwards, so tests never touch data outside it.
import { randomBytes } from 'node:crypto';

/** The database tests use. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A new unique schema name for one test run. */
export function freshSchemaName(): string {
  return `keygate_test_${randomBytes(6).toString('hex')}`;
}

/** The hint given when PostgreSQL cannot be reached. */
export const POSTGRES_HINT =
  'PostgreSQL is needed: install it (Debian/Ubuntu: `apt-get install -y postgresql`) and start it, or set DATABASE_URL.';
