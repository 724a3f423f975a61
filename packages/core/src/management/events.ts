// `GET /keys/:id/events`: the query string → an audit query of one key, and events → JSON. The
// route itself (routes.ts) first finds the key as the caller may see it (the delegation rule).
import type { AuditQuery } from '../audit/sink.js';
import { KeygateError } from '../errors.js';
import type { AuditEvent } from '../events.js';
import type { Keygate } from '../keygate/instance.js';
import { runtimeOf } from '../keygate/instance.js';
import { isoDate, pageQuery } from './query.js';

/** Most events one page of `GET /keys/:id/events` holds. */
export const MAX_EVENTS_PAGE = 100;
const DEFAULT_EVENTS_PAGE = 50;

/** One page of the events of key `keyId`, newest first, as the route answers it. Throws `not_found` without an audit log. */
export async function keyEventsPage(keygate: Keygate, keyId: string, query: URLSearchParams) {
  const { audit } = runtimeOf(keygate);
  if (audit === undefined) throw new KeygateError('not_found', 'No audit log is configured.');
  const page = await audit.query({ ...eventsQuery(query), keyId });
  return { events: page.events.map(eventJson), nextCursor: page.nextCursor };
}

/** The audit query of the query string: `since`, `until` (ISO 8601), `limit` (1-100, default 50), `cursor`. */
export function eventsQuery(query: URLSearchParams): AuditQuery {
  const times: { since?: Date; until?: Date } = {};
  const page = pageQuery(
    query,
    { max: MAX_EVENTS_PAGE, fallback: DEFAULT_EVENTS_PAGE, names: 'since, until, limit or cursor' },
    (name, value) => {
      if (name !== 'since' && name !== 'until') return false;
      times[name] = isoDate(name, value);
      return true;
    },
  );
  return { ...page, ...times };
}

/** An event as JSON: its fields, the time as an ISO string. */
export function eventJson(event: AuditEvent) {
  return { ...event, time: event.time.toISOString() };
}
