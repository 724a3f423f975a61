// Stream entries as events, and the cursor that carries an entry id between pages.
import { KeygateError } from '../../errors.js';
import type { AuditEvent } from '../../events.js';
import { fromStoredEvent } from '../event-codec.js';
import { decodeAuditCursor, encodeAuditCursor } from '../query.js';

const CURSOR_KIND = 'rs';
const ID_RE = /^(\d{1,15})-(\d{1,15})$/;
// The largest sequence number of a stream id: `<ms>-MAX_SEQ` is the last id of that ms.
const MAX_SEQ = '18446744073709551615';

/** One XREVRANGE entry, checked: its id and its event. Odd data fails closed (`store_unavailable`). */
export function entryEvent(entry: unknown): { id: string; event: AuditEvent } {
  const [id, fields] = Array.isArray(entry) ? entry : [];
  if (typeof id !== 'string' || !ID_RE.test(id) || !Array.isArray(fields) || fields[0] !== 'e') throw malformedReply();
  let stored: unknown;
  try {
    stored = JSON.parse(String(fields[1]));
  } catch {
    throw malformedReply();
  }
  return { id, event: fromStoredEvent(stored) };
}

/** The error of a reply that is not what the audit streams hold: it fails closed. */
export function malformedReply(): KeygateError {
  return new KeygateError('store_unavailable', 'keygate: the audit log returned a malformed stream entry.');
}

/** The cursor after the entry `id`. */
export function entryCursor(id: string): string {
  return encodeAuditCursor(CURSOR_KIND, id);
}

/** The last id before the entry a cursor names (null: none); throws `invalid_input` for a cursor of another log. */
export function idBeforeCursor(cursor: string): string | null {
  const match = decodeAuditCursor(CURSOR_KIND, cursor, ID_RE);
  const ms = Number(match[1]);
  const seq = Number(match[2]);
  if (seq > 0) return `${ms}-${seq - 1}`;
  return ms > 0 ? `${ms - 1}-${MAX_SEQ}` : null;
}

/** The last id before the time `ms` (null: none). */
export function idBefore(ms: number): string | null {
  return ms > 0 ? `${ms - 1}-${MAX_SEQ}` : null;
}
