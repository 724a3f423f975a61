// The credits table of PostgresStore and the SQL of its allowances. One row per allowance:
// primary key (owner, lineage), lineage '' for the owner's own allowance (a key lineage is never
// empty); remaining credits and the refill plan in plain columns, instants as epoch ms (bigint,
// exact, compared as the ledger gives them). Every statement is one round trip, atomic under
// READ COMMITTED without an explicit transaction.
import type { TableName } from './identifiers.js';

/** The lineage of an owner's own allowance. */
export const OWNER_LINEAGE = '';

/** The columns an allowance is read from, in {@link CreditRow} order. */
const CREDIT_COLUMNS = 'lineage, remaining, refill_amount, refill_interval, refill_anchor, refill_at';

/** An allowance row as pg returns it (bigint as a decimal string). */
export interface CreditRow {
  lineage: string;
  remaining: string;
  refill_amount: string | null;
  refill_interval: string | null;
  refill_anchor: string | null;
  refill_at: string | null;
}

/** The credits table of a key table: `"<schema>"."<table>_credits"` (at most 61 characters). */
export function creditsTable(name: TableName): string {
  return `"${name.schema}"."${name.table}_credits"`;
}

/**
 * The DDL of the credits table (idempotent). `refill_interval` is `day`, `month` or a period in
 * ms; `refill_anchor` the plan's `at`; `refill_at` the next refill instant. A refill plan is all
 * four columns or none.
 */
export function creditsMigrationSql(name: TableName): string {
  return `CREATE TABLE IF NOT EXISTS ${creditsTable(name)} (
  owner text NOT NULL,
  lineage text NOT NULL,
  remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= 1000000000000000),
  refill_amount bigint,
  refill_interval text,
  refill_anchor bigint,
  refill_at bigint,
  PRIMARY KEY (owner, lineage),
  CHECK (num_nulls(refill_amount, refill_interval, refill_anchor, refill_at) IN (0, 4))
);
`;
}

/** The statements of one credits table. Every one takes owner $1 and lineage $2. */
export function creditStatements(name: TableName) {
  const table = creditsTable(name);
  const target = 'owner = $1 AND lineage = $2';
  return Object.freeze({
    get: `SELECT ${CREDIT_COLUMNS} FROM ${table} WHERE ${target}`,
    /** Writes the allowance $3 remaining, $4 amount, $5 interval, $6 anchor, $7 refill instant. */
    set: `INSERT INTO ${table} (owner, lineage, remaining, refill_amount, refill_interval, refill_anchor, refill_at)
      VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6::bigint, $7::bigint)
      ON CONFLICT (owner, lineage) DO UPDATE SET remaining = EXCLUDED.remaining,
        refill_amount = EXCLUDED.refill_amount, refill_interval = EXCLUDED.refill_interval,
        refill_anchor = EXCLUDED.refill_anchor, refill_at = EXCLUDED.refill_at`,
    remove: `DELETE FROM ${table} WHERE ${target}`,
    /** Adds $3, clamped to 0..10^15. */
    add: `UPDATE ${table} SET remaining = least(greatest(remaining + $3::bigint, 0), 1000000000000000)
      WHERE ${target} RETURNING ${CREDIT_COLUMNS}`,
    /**
     * Refills when the refill instant is still $3, moving it to $4; returns the row either way.
     * Under READ COMMITTED an UPDATE that waited for a concurrent one evaluates its SET on the row
     * as that one left it, so a refill that lost the race returns the winner's row, never a stale one.
     */
    refill: `UPDATE ${table} SET
        remaining = CASE WHEN refill_at = $3::bigint THEN refill_amount ELSE remaining END,
        refill_at = CASE WHEN refill_at = $3::bigint THEN $4::bigint ELSE refill_at END
      WHERE ${target} RETURNING ${CREDIT_COLUMNS}`,
    /**
     * Spends $3 at $4 from the owner's allowance and lineage $2's ('' for none) together: one row
     * per allowance as it is after, each with the outcome (a single row of nulls and the outcome
     * when neither exists). `locked` takes both rows FOR UPDATE in a fixed order (no deadlock
     * between spends); under READ COMMITTED a row a concurrent statement changed is read again once
     * its lock is granted, so the outcome is decided on the rows as they are, and the UPDATE (which
     * re-reads them the same way) spends from those. The CHECK on `remaining` backs it up.
     */
    spend: `WITH locked AS (
        SELECT ${CREDIT_COLUMNS} FROM ${table} WHERE owner = $1 AND lineage IN ('', $2)
        ORDER BY lineage FOR UPDATE),
      verdict AS (
        SELECT CASE WHEN bool_or(refill_at <= $4::bigint) THEN 'due'
          WHEN bool_or(remaining < $3::bigint) THEN 'insufficient' ELSE 'spent' END AS outcome
        FROM locked),
      spent AS (
        UPDATE ${table} AS c SET remaining = c.remaining - $3::bigint FROM verdict
        WHERE c.owner = $1 AND c.lineage IN ('', $2) AND verdict.outcome = 'spent' AND $3::bigint > 0
        RETURNING ${qualify('c', CREDIT_COLUMNS)})
      SELECT verdict.outcome, after.* FROM verdict LEFT JOIN (
        SELECT * FROM spent
        UNION ALL
        SELECT * FROM locked WHERE NOT EXISTS (SELECT 1 FROM spent)) AS after ON true`,
  });
}

/** The statements of a credits table, as {@link creditStatements} builds them. */
export type CreditStatements = ReturnType<typeof creditStatements>;

function qualify(alias: string, columns: string): string {
  return columns
    .split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}
