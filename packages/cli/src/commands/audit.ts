import { type AuditEvent, type AuditQuery, auditEventToJson } from '@keygate/core';
import { parseDuration, type Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { text } from '../options.js';
import { openStoreOf } from '../store.js';

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `audit --key ID | --owner O [--since T] [--until T] [--limit N] [--cursor C]`: a page of the audit
 * log, newest first. T: an ISO 8601 date or date-time, or a duration meaning that long ago (24h).
 */
export async function audit(values: Values, io: CliIo): Promise<void> {
  const keyId = text(values.key);
  const owner = text(values.owner);
  if (keyId === undefined && owner === undefined) throw usage('audit takes --key ID or --owner O (or both).');
  if (keyId === '' || owner === '') throw usage('--key and --owner must not be empty.');
  const limit = text(values.limit);
  if (limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(limit))
    throw usage('--limit must be an integer from 1 to 1000.');
  const query: AuditQuery = {
    ...(keyId === undefined ? {} : { keyId }),
    ...(owner === undefined ? {} : { owner }),
    since: instant(values, 'since'),
    until: instant(values, 'until'),
    limit: limit === undefined ? 100 : Number(limit),
    cursor: text(values.cursor) ?? null,
  };
  const opened = await openStoreOf(values, io);
  if (opened.kind === 'redis' && values['audit-table'] !== undefined) {
    await opened.close();
    throw usage('--audit-table is for PostgreSQL stores.');
  }
  try {
    const sink = await opened.audit(text(values['audit-table']));
    try {
      const { events, nextCursor } = await sink.query(query);
      const lines = events.map(line).join('');
      const more = nextCursor === null ? '' : `More events: add --cursor ${nextCursor}\n`;
      printer(values, io)(
        { events: events.map(auditEventToJson), nextCursor },
        (events.length === 0 ? 'No events.\n' : lines) + more,
      );
    } finally {
      await sink.close();
    }
  } finally {
    await opened.close();
  }
}

// One event per line: time, type (and reason), key, owner, then the request.
function line(e: AuditEvent): string {
  const what = e.reason === undefined ? e.type : `${e.type} (${e.reason})`;
  const extra = [
    e.replacedBy === undefined ? '' : `replaced by ${e.replacedBy}`,
    e.policies === undefined ? '' : `policies ${e.policies.join(',')}`,
    e.route ?? '',
    e.ip ?? '',
  ].filter((part) => part !== '');
  return `${e.time.toISOString()}  ${what.padEnd(20)}${e.keyId ?? '-'}  ${e.owner ?? '-'}${extra.length === 0 ? '' : `  ${extra.join('  ')}`}\n`;
}

// --since / --until: an ISO 8601 date (or date-time), or a duration ago.
function instant(values: Values, name: 'since' | 'until'): Date | undefined {
  const given = text(values[name]);
  if (given === undefined) return undefined;
  if (ISO_DATE_RE.test(given)) {
    const date = new Date(given);
    if (!Number.isNaN(date.getTime())) return date;
  } else if (/^[1-9][0-9]*[a-z]+$/.test(given)) {
    return new Date(Date.now() - parseDuration(name, given));
  }
  throw usage(`--${name} must be an ISO 8601 date (2026-01-31 or 2026-01-31T12:00Z) or a duration ago (24h, 7d).`);
}
