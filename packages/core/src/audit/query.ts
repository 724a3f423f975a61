// The query of AuditSink.query, checked once, and the opaque cursors the sinks hand out.
import { KeygateError } from '../errors.js';
import type { AuditQuery } from './sink.js';

/** Most events one page may hold. */
export const MAX_AUDIT_PAGE_SIZE = 1000;
/** Events per page when no limit is given. */
export const DEFAULT_AUDIT_PAGE_SIZE = 100;
// Longest key id or owner a query may name (longer ones match nothing a keygate instance stores).
const MAX_FILTER_LENGTH = 256;
const MAX_CURSOR_LENGTH = 128;

/** A checked query: times in ms since the epoch, the cursor still opaque (each sink decodes its own). */
export interface CheckedAuditQuery {
  readonly keyId: string | undefined;
  readonly owner: string | undefined;
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly limit: number;
  readonly cursor: string | undefined;
}

/** Validates a query; throws `invalid_input` naming the field. */
export function checkAuditQuery(query: AuditQuery): CheckedAuditQuery {
  if (typeof query !== 'object' || query === null) {
    throw new KeygateError('invalid_input', 'query() takes an object, e.g. { keyId }.');
  }
  const { limit = DEFAULT_AUDIT_PAGE_SIZE, cursor } = query;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
    throw invalid('limit', `limit must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}.`);
  }
  if (cursor !== undefined && cursor !== null && (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH)) {
    throw badCursor();
  }
  const since = time('since', query.since);
  const until = time('until', query.until);
  if (since !== undefined && until !== undefined && since > until) {
    throw invalid('until', 'until must not be before since.');
  }
  return {
    keyId: filter('keyId', query.keyId),
    owner: filter('owner', query.owner),
    since,
    until,
    limit,
    cursor: cursor ?? undefined,
  };
}

/** The opaque cursor of a sink's position text (`kind` tells the sinks' cursors apart). */
export function encodeAuditCursor(kind: string, position: string): string {
  return Buffer.from(`${kind}.${position}`, 'utf8').toString('base64url');
}

/** The position text of a cursor of `kind` whose text matches `pattern`; throws `invalid_input` otherwise. */
export function decodeAuditCursor(kind: string, cursor: string, pattern: RegExp): RegExpExecArray {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = text.startsWith(`${kind}.`) ? pattern.exec(text.slice(kind.length + 1)) : null;
  if (match === null) throw badCursor();
  return match;
}

function badCursor(): KeygateError {
  return invalid('cursor', 'cursor is not one this audit log returned.');
}

function filter(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_FILTER_LENGTH) {
    throw invalid(field, `${field} must be a non-empty string of at most ${MAX_FILTER_LENGTH} characters.`);
  }
  return value;
}

function time(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) throw invalid(field, `${field} must be a valid Date, not before 1970.`);
  return ms;
}

function invalid(field: string, message: string): KeygateError {
  return new KeygateError('invalid_input', message, { field });
}
