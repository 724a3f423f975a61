// The SQL of PostgresAuditSink: one INSERT per batch, one query per filter shape (so each uses its
// index), and a bounded delete by age. Only fixed fragments are spliced in; values are parameters.
import type { CheckedAuditQuery } from '../query.js';

/** The columns a query reads, in row order. */
const COLUMNS = 'id, time, type, key_id, owner, reason, replaced_by, policies, route, ip, user_agent';

/** One batch in one statement: a parameter per column, each an array with an element per event. */
export function insertSql(qualified: string): string {
  return `INSERT INTO ${qualified} (time, type, key_id, owner, reason, replaced_by, policies, route, ip, user_agent)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
  $8::text[], $9::text[], $10::text[])`;
}

/** Deletes at most `$2` rows older than `$1`, oldest first, on the time index. */
export function pruneSql(qualified: string): string {
  return `DELETE FROM ${qualified} WHERE id IN (SELECT id FROM ${qualified} WHERE time < $1 ORDER BY time, id LIMIT $2)`;
}

/** Where a page starts: the (time, id) of the last row of the previous page. */
export interface RowPosition {
  readonly time: Date;
  readonly id: string;
}

/** The SELECT of one page of a checked query, newest first, and its parameters. */
export function pageQuery(
  qualified: string,
  query: CheckedAuditQuery,
  after: RowPosition | undefined,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.keyId !== undefined) where.push(`key_id = ${param(query.keyId)}`);
  if (query.owner !== undefined) where.push(`owner = ${param(query.owner)}`);
  if (query.since !== undefined) where.push(`time >= ${param(new Date(query.since))}`);
  if (query.until !== undefined) where.push(`time < ${param(new Date(query.until))}`);
  if (after !== undefined) where.push(`(time, id) < (${param(after.time)}, ${param(after.id)}::bigint)`);
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  const sql = `SELECT ${COLUMNS} FROM ${qualified}${filter} ORDER BY time DESC, id DESC LIMIT ${param(query.limit + 1)}`;
  return { sql, params };
}
