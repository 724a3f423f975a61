// PostgresStore.findExpiring and findUnused: searches across owners, each an index range of its
// own (see migration.ts): `_exp_idx` (expires_at, id) and `_idle_idx` (last use or creation, id),
// both of unrevoked keys only.
import type { FindRecordsOptions, FoundPage } from '../store.js';
import { COLUMNS, type KeyRow, rowToRecord } from './rows.js';

/** Index entries a page of unused keys may read beyond its `limit`, skipping expired keys (as in listing). */
export const FIND_SCAN_ALLOWANCE = 100;

const IDLE = 'coalesce(last_used_at, created_at)';

/** The statements of the searches of one table (its quoted, qualified name). */
export function findStatements(table: string) {
  return Object.freeze({
    /**
     * Up to $4 unrevoked keys expiring after the cursor ($1, $2), after $5 (active then) and at
     * or before $3, in (expires_at, id) order: a range of `_exp_idx`, where expired keys lie before it.
     */
    expiring: `SELECT ${COLUMNS}, expires_at AS found_at, false AS scan_end FROM ${table}
      WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND (expires_at, id COLLATE "C") > ($1::timestamptz, $2::text)
        AND expires_at > $5::timestamptz AND expires_at <= $3::timestamptz
      ORDER BY expires_at, id COLLATE "C" LIMIT $4`,
    /**
     * Unrevoked keys last used (or created) after the cursor ($1, $2) and before $3: at most $6 are
     * read, of those up to $4 not expired at $5 are returned, then (`scan_end`) the $6-th one read,
     * present only when the scan stopped at its bound.
     */
    unused: `WITH scanned AS (
        SELECT ${COLUMNS}, ${IDLE} AS found_at FROM ${table}
        WHERE revoked_at IS NULL AND (${IDLE}, id COLLATE "C") > ($1::timestamptz, $2::text) AND ${IDLE} < $3::timestamptz
        ORDER BY ${IDLE}, id COLLATE "C" LIMIT $6)
      (SELECT *, false AS scan_end FROM scanned WHERE coalesce(expires_at, 'infinity'::timestamptz) > $5::timestamptz
        ORDER BY found_at, id COLLATE "C" LIMIT $4)
      UNION ALL
      (SELECT *, true AS scan_end FROM scanned ORDER BY found_at, id COLLATE "C" OFFSET $6 - 1 LIMIT 1)`,
  });
}

/** A search row: a key and the instant it was found by, or with `scan_end` the last entry a bounded scan read. */
export type FoundRow = KeyRow & { found_at: Date | string; scan_end: boolean };

/** The parameters of a search for keys up to (expiring) or before (unused) `bound`. */
export function findParams(bound: number, { limit, after, activeAt }: FindRecordsOptions): unknown[] {
  const cursor = after ? [after.at.toISOString(), after.id] : ['-infinity', ''];
  const iso = (ms: number) => new Date(ms).toISOString();
  return [...cursor, iso(bound), limit + 1, iso(activeAt), limit + 1 + FIND_SCAN_ALLOWANCE];
}

/** The page of up to `limit` records that the rows make, continuing as PostgresStore's listing pages do. */
export function toFoundPage(rows: FoundRow[], limit: number): FoundPage {
  const keys = rows.filter((row) => !row.scan_end);
  const position = (row: FoundRow | undefined) =>
    row === undefined ? null : { at: new Date(row.found_at), id: row.id };
  if (keys.length > limit) {
    const page = keys.slice(0, limit);
    return { records: page.map(rowToRecord), next: position(page[page.length - 1]) };
  }
  return { records: keys.map(rowToRecord), next: position(rows.find((row) => row.scan_end)) };
}
