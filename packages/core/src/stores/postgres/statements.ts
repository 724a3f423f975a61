// The SQL PostgresStore sends, built once per table. Every value travels as a parameter; only the
// validated, quoted table name and the patch's column assignments (from rows.ts) are spliced in.
import { COLUMNS, PLACEHOLDERS } from './rows.js';

// An owner's keys in listing order: creation time, then id in byte order, as the listing indexes
// (migration.ts) hold them, so a page is an index range.
const ORDER = 'created_at, id COLLATE "C"';
// Keys after the cursor $2 (created_at), $3 (id), in ORDER; a row comparison the indexes serve.
const AFTER_CURSOR = '(created_at, id COLLATE "C") > ($2::timestamptz, $3::text)';
// Not expired at the instant $n: the expression of the `_cap_idx` index. (Revocation is tested apart.)
const unexpiredAt = (param: string) => `coalesce(expires_at, 'infinity'::timestamptz) > ${param}::timestamptz`;

/** The statements of one table (its quoted, qualified name). */
export function statements(table: string) {
  return Object.freeze({
    findById: `SELECT ${COLUMNS} FROM ${table} WHERE id = $1`,
    insert: `INSERT INTO ${table} (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO NOTHING`,
    /** Serialises the cap checks of one owner ($1 table, $2 owner) until the transaction ends. */
    lockOwner: 'SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))',
    /** The owner and version of key $1, locked until the transaction ends. */
    lockKey: `SELECT owner, version FROM ${table} WHERE id = $1 FOR UPDATE`,
    /**
     * Whether id $1 is taken, and the active keys (at $3) of owner $2 other than id $5 (null: none
     * excepted), counted up to $4, the cap: enough to decide, without reading an owner's history.
     */
    capCheck: `SELECT EXISTS (SELECT 1 FROM ${table} WHERE id = $1) AS taken,
      (SELECT count(*)::int FROM (SELECT 1 FROM ${table} WHERE owner = $2 AND revoked_at IS NULL
        AND ${unexpiredAt('$3')} AND id IS DISTINCT FROM $5::text LIMIT $4) AS active_keys) AS active`,
    /** Up to $4 keys of owner $1 after the cursor ($2, $3). */
    listAll: `SELECT ${COLUMNS} FROM ${table} WHERE owner = $1 AND ${AFTER_CURSOR} ORDER BY ${ORDER} LIMIT $4`,
    /**
     * Owner $1's unrevoked keys after the cursor ($2, $3): at most $4 are read, and of those up to $6
     * not expired at $5 are returned, then (`scan_end`) the $4-th one read, present only when the
     * scan stopped at its bound.
     */
    listActive: `WITH scanned AS (
        SELECT ${COLUMNS} FROM ${table} WHERE owner = $1 AND revoked_at IS NULL AND ${AFTER_CURSOR}
        ORDER BY ${ORDER} LIMIT $4)
      (SELECT ${COLUMNS}, false AS scan_end FROM scanned WHERE ${unexpiredAt('$5')} ORDER BY ${ORDER} LIMIT $6)
      UNION ALL
      (SELECT ${COLUMNS}, true AS scan_end FROM scanned ORDER BY ${ORDER} OFFSET $4 - 1 LIMIT 1)`,
    /** The last-used times $2 of the keys $1 (two arrays in step), where later than the stored ones. */
    touchMany: `UPDATE ${table} AS k SET last_used_at = v.at FROM unnest($1::text[], $2::timestamptz[]) AS v(id, at)
      WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`,
    /** Applies `sets` (parameters from $2) to key $1 and returns it. */
    update: (sets: string[]) => `UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
    /**
     * Applies `sets` (parameters from $3) to key $1 if its version is $2, in one statement: the key
     * with `changed` true, or as it is with `changed` false, or no row for an unknown id. Under
     * READ COMMITTED an UPDATE that waited for a concurrent change re-checks the version on the
     * new row, while the second branch reads the snapshot the statement began with, where the key
     * exists: so a lost race reads as a changed version, never as an unknown id.
     */
    updateIfVersion: (sets: string[]) => `WITH changed AS (
        UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING ${COLUMNS})
      SELECT ${COLUMNS}, true AS changed FROM changed
      UNION ALL
      SELECT ${COLUMNS}, false AS changed FROM ${table} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM changed)`,
  });
}

/** The statements of a table, as {@link statements} builds them. */
export type Statements = ReturnType<typeof statements>;
