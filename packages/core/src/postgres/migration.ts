import { type TableName, tableName } from './identifiers.js';

/** Where the migration creates the table. Defaults: schema `public`, table `keygate_keys`. */
export interface PostgresTableOptions {
  /** An existing schema; the migration does not create it. Default `public`. */
  schema?: string;
  /** The table name, at most 53 characters. Default `keygate_keys`. */
  table?: string;
}

/** The DDL for a validated table name (idempotent). */
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
  replaced_by text
);
CREATE INDEX IF NOT EXISTS ${name.ownerIndex} ON ${name.qualified} (owner, created_at);
`;
}

/**
 * The SQL that creates the key table and its indexes (primary key on id; owner, created_at).
 * Idempotent, plain DDL: run it from your migration tool, or call `PostgresStore.migrate()`.
 */
export function postgresMigration(options: PostgresTableOptions = {}): string {
  return migrationSql(tableName(options.schema, options.table));
}

/** The migration for the default table, `"public"."keygate_keys"`. */
export const POSTGRES_MIGRATION_SQL: string = postgresMigration();
