// `GET /keys/:id/events`: the query string → an audit query of one key, and events → JSON. The
// route itself (routes.ts) first finds the key as the caller may see it (the delegation rule).
import type { AuditQuery } from '../audit/sink.js';
import { KeygateError } from '../errors.js';
import type { AuditEvent } from '../events.js';
import { quoteSafely } from '../key/redaction.js';
import type { Keygate } from '../keygate/instance.js';
import { runtimeOf } from '../keygate/instance.js';
import { safeFieldName } from './fields.js';

/** Most events one page of `GET /keys/:id/events` holds. */
export const MAX_EVENTS_PAGE = 100;
const DEFAULT_EVENTS_PAGE = 50;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** One page of the events of key `keyId`, newest first, as the route answers it. Throws `not_found` without an audit log. */
export async function keyEventsPage(keygate: Keygate, keyId: string, query: URLSearchParams) {
  const { audit } = runtimeOf(keygate);
  if (audit === undefined) throw new KeygateError('not_found', 'No audit log is configured.');
  const page = await audit.query({ ...eventsQuery(query), keyId });
  return { events: page.events.map(eventJson), nextCursor: page.nextCursor };
}

/** The audit query of the query string: `since`, `until` (ISO 8601), `limit` (1-100, default 50), `cursor`. */
export function eventsQuery(query: URLSearchParams): AuditQuery {
  const options: AuditQuery = { limit: DEFAULT_EVENTS_PAGE };
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    if (values.length > 1) {
      throw invalid(`The query parameter ${shown(name)} is given more than once.`, safeFieldName(name));
    }
    const value = values[0] as string;
    if (name === 'limit') {
      if (!/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > MAX_EVENTS_PAGE) {
        throw invalid(`limit must be an integer from 1 to ${MAX_EVENTS_PAGE}.`, 'limit');
      }
      options.limit = Number(value);
    } else if (name === 'cursor') options.cursor = value;
    else if (name === 'since' || name === 'until') options[name] = isoDate(name, value);
    else
      throw invalid(`Unknown query parameter ${shown(name)}; use since, until, limit or cursor.`, safeFieldName(name));
  }
  return options;
}

/** An event as JSON: its fields, the time as an ISO string. */
export function eventJson(event: AuditEvent) {
  return { ...event, time: event.time.toISOString() };
}

function isoDate(field: string, value: string): Date {
  const date = ISO_DATE_RE.test(value) ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw invalid(`${field} must be an ISO 8601 date-time with a time zone.`, field);
  }
  return date;
}

function shown(name: string): string {
  return quoteSafely(name, '(name not shown)');
}

function invalid(message: string, field: string | undefined): KeygateError {
  return new KeygateError('invalid_input', message, field === undefined ? undefined : { field });
}
