// Measuring what a PostgreSQL store sends, in statements and rows touched rather than time: a pool
// that records every statement, and the replay of one under EXPLAIN ANALYZE (rolled back) that
// sums the rows every plan node read. Used by the cost tests of the key and credit statements.
import type pg from 'pg';

/** A statement the store sent. */
export interface Recorded {
  readonly text: string;
  readonly values: unknown[];
}

/** A stand-in for a pg Pool that delegates to `real` (and to its clients) and records each statement in `statements`. */
export function recordingPool(real: pg.Pool, statements: Recorded[]): pg.Pool {
  const recorded = (target: pg.Pool | pg.PoolClient) => (text: string, values?: unknown[]) => {
    statements.push({ text, values: values ?? [] });
    return target.query(text, values);
  };
  const recorder = {
    query: recorded(real),
    connect: async () => {
      const client = await real.connect();
      return {
        query: recorded(client),
        on: (event: 'error', listener: (error: Error) => void) => client.on(event, listener),
        removeListener: (event: 'error', listener: (error: Error) => void) => client.removeListener(event, listener),
        release: (error?: Error | boolean) => client.release(error),
      };
    },
  };
  return recorder as unknown as pg.Pool;
}

/** The rows one statement touches, from EXPLAIN ANALYZE inside a transaction on `pool` that is rolled back. */
export async function rowsTouched(pool: pg.Pool, { text, values }: Recorded): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
    return rowsRead((rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** The fields of an EXPLAIN (ANALYZE, FORMAT JSON) plan node that count rows. */
interface PlanNode {
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

// Rows produced or discarded by every node of a plan: per-loop figures times the loops.
function rowsRead(node: PlanNode): number {
  const perLoop =
    node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
  return perLoop * node['Actual Loops'] + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child), 0);
}
