import { KeygateError } from '../../errors.js';

// Unquoted-style names only: letters, digits and underscores, not starting with a digit, at most 63 bytes.
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Where PostgresStore keeps its keys: a validated schema and table, and their quoted forms. */
export interface TableName {
  readonly schema: string;
  readonly table: string;
  /** `"schema"."table"`, safe to splice into SQL. */
  readonly qualified: string;
  /**
   * `"<table>_owner_idx"`: the (owner, created_at) index of earlier versions, which the migration
   * drops. Checking it as an identifier bounds table names to 53 characters, so every index
   * suffix of up to 10 characters fits PostgreSQL's 63.
   */
  readonly ownerIndex: string;
}

/** Validates and quotes the schema and table names; throws `invalid_options` for anything else. */
export function tableName(schema = 'public', table = 'keygate_keys'): TableName {
  const ownerIndex = `${table}_owner_idx`;
  if (!isIdentifier(schema) || !isIdentifier(table) || !isIdentifier(ownerIndex)) {
    throw new KeygateError(
      'invalid_options',
      'keygate: PostgresStore `schema` and `table` must be letters, digits and underscores, not starting with a digit (schema at most 63 characters, table at most 53).',
    );
  }
  return Object.freeze({ schema, table, qualified: `${quote(schema)}.${quote(table)}`, ownerIndex: quote(ownerIndex) });
}

function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER_RE.test(name);
}

function quote(name: string): string {
  return `"${name}"`;
}
