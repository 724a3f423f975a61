// Rows of the audit table as events, and the cursor that carries a row's (time, id) between pages.
import type { AuditEvent } from '../../events.js';
import { fromStoredEvent, type StoredAuditEvent } from '../event-codec.js';
import { decodeAuditCursor, encodeAuditCursor } from '../query.js';
import type { RowPosition } from './statements.js';

/** A row as pg returns it (bigint `id` as a string, `policies` parsed from jsonb). */
export interface AuditRow {
  readonly id: unknown;
  readonly time: unknown;
  readonly type: unknown;
  readonly key_id: unknown;
  readonly owner: unknown;
  readonly reason: unknown;
  readonly replaced_by: unknown;
  readonly policies: unknown;
  readonly route: unknown;
  readonly ip: unknown;
  readonly user_agent: unknown;
}

const CURSOR_KIND = 'pg';
const POSITION_RE = /^(\d{1,15})\.([1-9]\d{0,18})$/;

/** The checked event of a row (see fromStoredEvent: odd data fails closed). */
export function rowToEvent(row: AuditRow): AuditEvent {
  return fromStoredEvent({
    type: row.type,
    time: row.time instanceof Date ? row.time.getTime() : Number.NaN,
    keyId: row.key_id,
    owner: row.owner,
    reason: row.reason,
    replacedBy: row.replaced_by,
    policies: row.policies,
    route: row.route,
    ip: row.ip,
    userAgent: row.user_agent,
  } satisfies Record<keyof StoredAuditEvent, unknown>);
}

/** The cursor after `row`. */
export function rowCursor(row: AuditRow, event: AuditEvent): string {
  return encodeAuditCursor(CURSOR_KIND, `${event.time.getTime()}.${String(row.id)}`);
}

/** The position a cursor of this sink carries; throws `invalid_input` for any other. */
export function cursorPosition(cursor: string): RowPosition {
  const match = decodeAuditCursor(CURSOR_KIND, cursor, POSITION_RE);
  return { time: new Date(Number(match[1])), id: match[2] as string };
}
