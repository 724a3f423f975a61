// Paging PostgresStore.listByOwner: the parameters of a page's query, and the page its rows make.
import type { ListRecordsOptions, RecordPage, RecordPosition } from '../store.js';
import { type KeyRow, rowToRecord } from './rows.js';

/**
 * Index entries a page of active keys may read beyond its `limit`, skipping expired keys. When
 * they run out, the page ends early and the next one resumes where the reading stopped, so a page
 * costs at most `limit` + this many entries however many keys of the owner expired.
 */
export const EXPIRED_SCAN_ALLOWANCE = 100;

/** A listing row: a key, or with `scan_end` the last entry a bounded scan read. */
export type ListRow = KeyRow & { scan_end?: boolean };

/** The parameters of `listAll` (without `activeAt`) or `listActive` (with it), statements.ts. */
export function listParams(owner: string, { limit, after, activeAt }: ListRecordsOptions): unknown[] {
  // Without a cursor the page starts before every key: no created_at precedes -infinity.
  const cursor = after ? [after.createdAt.toISOString(), after.id] : ['-infinity', ''];
  if (activeAt === undefined) return [owner, ...cursor, limit + 1];
  return [owner, ...cursor, limit + EXPIRED_SCAN_ALLOWANCE, new Date(activeAt).toISOString(), limit + 1];
}

/**
 * The page of up to `limit` records that the rows (up to `limit` + 1 keys, then maybe a scan end)
 * make. It continues after its last record when a key beyond it came back, else after the scan
 * end when the scan stopped at its bound, else nowhere.
 */
export function toPage(rows: ListRow[], limit: number): RecordPage {
  const records = rows.filter((row) => !row.scan_end).map(rowToRecord);
  if (records.length > limit) {
    const page = records.slice(0, limit);
    return { records: page, next: position(page[page.length - 1] ?? null) };
  }
  const scanEnd = rows.find((row) => row.scan_end);
  return { records, next: position(scanEnd ? rowToRecord(scanEnd) : null) };
}

function position(row: { createdAt: Date; id: string } | null): RecordPosition | null {
  return row === null ? null : { createdAt: row.createdAt, id: row.id };
}
