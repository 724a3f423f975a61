import { type TableName, tableName } from '../../stores/postgres/identifiers.js';

/** Where the audit migration creates its table. Defaults: schema `public`, table `keygate_audit`. */
export interface PostgresAuditTableOptions {
  /** An existing schema; the migration does not create it. Default `public`. */
  schema?: string;
  /** The table name, at most 53 characters. Default `keygate_audit`. */
  table?: string;
}

/** The default audit table. */
export const DEFAULT_AUDIT_TABLE = 'keygate_audit';

// Suffixes of at most 10 characters: with a table name of at most 53 (identifiers.ts), every
// derived name fits PostgreSQL's 63.
const TIME_SUFFIX = '_time_idx';
const KEY_SUFFIX = '_key_idx';
const OWNER_SUFFIX = '_own_idx';
const GUARD_SUFFIX = '_append';

/** The validated audit table name; throws `invalid_options` for a bad one. */
export function auditTableName(options: PostgresAuditTableOptions): TableName {
  return tableName(options.schema, options.table ?? DEFAULT_AUDIT_TABLE);
}

/**
 * The DDL of the audit table for a validated name (idempotent): rows in insertion order (`id`), an
 * index per query (all events, one key's, one owner's, each by time then id), and a trigger that
 * refuses any UPDATE: rows are only ever added, and deleted by age.
 */
export function auditMigrationSql(name: TableName): string {
  const guard = `"${name.schema}"."${name.table}${GUARD_SUFFIX}"`;
  return `CREATE TABLE IF NOT EXISTS ${name.qualified} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time timestamptz NOT NULL,
  type text NOT NULL,
  key_id text,
  owner text,
  reason text,
  replaced_by text,
  policies jsonb,
  route text,
  ip text,
  user_agent text
);
CREATE INDEX IF NOT EXISTS ${index(name, TIME_SUFFIX)} ON ${name.qualified} (time, id);
CREATE INDEX IF NOT EXISTS ${index(name, KEY_SUFFIX)} ON ${name.qualified} (key_id, time, id) WHERE key_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${index(name, OWNER_SUFFIX)} ON ${name.qualified} (owner, time, id) WHERE owner IS NOT NULL;
CREATE OR REPLACE FUNCTION ${guard}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'keygate: the audit log is append-only';
END
$$;
DROP TRIGGER IF EXISTS ${index(name, GUARD_SUFFIX)} ON ${name.qualified};
CREATE TRIGGER ${index(name, GUARD_SUFFIX)} BEFORE UPDATE ON ${name.qualified} FOR EACH ROW EXECUTE FUNCTION ${guard}();
`;
}

/**
 * The SQL that creates the append-only audit table of PostgresAuditSink, its indexes
 * (`<table>_time_idx`, `<table>_key_idx`, `<table>_own_idx`) and its trigger refusing updates
 * (function and trigger `<table>_append`). Idempotent, plain DDL: run it from your migration tool,
 * or call `PostgresAuditSink.migrate()`. Throws `invalid_options` for a bad name.
 *
 * @example
 * ```ts
 * writeFileSync('migrations/002_keygate_audit.sql', postgresAuditMigration({ schema: 'auth' }));
 * ```
 */
export function postgresAuditMigration(options: PostgresAuditTableOptions = {}): string {
  return auditMigrationSql(auditTableName(options));
}

// The quoted name of an object derived from the table's (the table name is validated, so it is safe).
function index(name: TableName, suffix: string): string {
  return `"${name.table}${suffix}"`;
}
