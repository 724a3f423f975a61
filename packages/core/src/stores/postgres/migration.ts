import { creditsMigrationSql } from './credit-statements.js';
import { type TableName, tableName } from './identifiers.js';

/** Where the migration creates the table. Defaults: schema `public`, table `keygate_keys`. */
export interface PostgresTableOptions {
  /** An existing schema; the migration does not create it. Default `public`. */
  schema?: string;
  /** The table name, at most 53 characters. Default `keygate_keys`. */
  table?: string;
}

// Index name suffixes. A table name has at most 53 characters (identifiers.ts sizes it for
// `_owner_idx`), so a suffix of at most 10 keeps every index name within PostgreSQL's 63.
const LIST_SUFFIX = '_list_idx';
const LIVE_SUFFIX = '_live_idx';
const CAP_SUFFIX = '_cap_idx';
const EXPIRY_SUFFIX = '_exp_idx';
const IDLE_SUFFIX = '_idle_idx';

/**
 * The DDL for a validated table name (idempotent). It also upgrades a table made by an earlier
 * version: missing columns are added, the old (owner, created_at) index, which the listing
 * index now covers, is dropped, and the credits table (`<table>_credits`) is created. `id COLLATE "C"` makes ties in `created_at` sort in byte order.
 */
export function migrationSql(name: TableName): string {
  return `CREATE TABLE IF NOT EXISTS ${name.qualified} (
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
ALTER TABLE ${name.qualified}
  ADD COLUMN IF NOT EXISTS lineage text,
  ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
CREATE INDEX IF NOT EXISTS ${index(name, LIST_SUFFIX)} ON ${name.qualified} (owner, created_at, id COLLATE "C");
CREATE INDEX IF NOT EXISTS ${index(name, LIVE_SUFFIX)} ON ${name.qualified} (owner, created_at, id COLLATE "C")
  WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index(name, CAP_SUFFIX)} ON ${name.qualified}
  (owner, (coalesce(expires_at, 'infinity'::timestamptz))) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS ${index(name, EXPIRY_SUFFIX)} ON ${name.qualified} (expires_at, id COLLATE "C")
  WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${index(name, IDLE_SUFFIX)} ON ${name.qualified}
  ((coalesce(last_used_at, created_at)), id COLLATE "C") WHERE revoked_at IS NULL;
DROP INDEX IF EXISTS "${name.schema}".${name.ownerIndex};
${creditsMigrationSql(name)}`;
}

/**
 * The SQL that creates the key table and its indexes, or upgrades one an earlier version made:
 * primary key on id; `<table>_list_idx` (owner, created_at, id) to page through an owner's keys;
 * `<table>_live_idx`, the same for unrevoked keys only; `<table>_cap_idx` (owner, expiry) of
 * unrevoked keys, to count active keys against a cap; `<table>_exp_idx` (expires_at, id) and
 * `<table>_idle_idx` (last use or creation, id) of unrevoked keys, to find keys expiring or unused;
 * and `<table>_credits`, the credit allowances (primary key owner, lineage). Idempotent, plain DDL: run it from your
 * migration tool, or call `PostgresStore.migrate()`. Throws `invalid_options` for a bad name.
 *
 * @example
 * ```ts
 * writeFileSync('migrations/001_keygate.sql', postgresMigration({ schema: 'auth', table: 'api_keys' }));
 * const store = new PostgresStore({ pool, schema: 'auth', table: 'api_keys' }); // the same names
 * ```
 */
export function postgresMigration(options: PostgresTableOptions = {}): string {
  return migrationSql(tableName(options.schema, options.table));
}

/** The migration for the default table, `"public"."keygate_keys"`. */
export const POSTGRES_MIGRATION_SQL: string = postgresMigration();

// The quoted name of one of the table's indexes (the table name is validated, so it is safe).
function index(name: TableName, suffix: string): string {
  return `"${name.table}${suffix}"`;
}
