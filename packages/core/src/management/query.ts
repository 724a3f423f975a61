// The rules every management route applies to what a client sends in a query string or a date
// field: each parameter at most once, a bounded page `limit`, an opaque `cursor`, ISO 8601 dates.
// Names the client chose are echoed only when safe (see safeFieldName).
import { KeygateError } from '../errors.js';
import { quoteSafely } from '../key/redaction.js';
import { safeFieldName } from './fields.js';

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The page of a paged route: how many (1 to `max`, default `fallback`), and where to start. */
export interface PageQuery {
  limit: number;
  cursor?: string;
}

/**
 * Reads a paged query string: every parameter at most once, `limit` (1 to `max`), `cursor`, and
 * the route's own parameters through `other`, which returns false for a name it does not know
 * (then 400, listing `names`). Throws `invalid_input` naming the parameter.
 */
export function pageQuery(
  query: URLSearchParams,
  page: { readonly max: number; readonly fallback: number; readonly names: string },
  other: (name: string, value: string) => boolean,
): PageQuery {
  const options: PageQuery = { limit: page.fallback };
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    if (values.length > 1) {
      throw invalidInput(`The query parameter ${shown(name)} is given more than once.`, safeFieldName(name));
    }
    const value = values[0] as string;
    if (name === 'limit') {
      if (!/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > page.max) {
        throw invalidInput(`limit must be an integer from 1 to ${page.max}.`, 'limit');
      }
      options.limit = Number(value);
    } else if (name === 'cursor') options.cursor = value;
    else if (!other(name, value)) {
      throw invalidInput(`Unknown query parameter ${shown(name)}; use ${page.names}.`, safeFieldName(name));
    }
  }
  return options;
}

/** An ISO 8601 date-time with a time zone as a Date; `invalid_input` naming `field` otherwise. */
export function isoDate(field: string, value: unknown, orNull = false): Date {
  const date = typeof value === 'string' && ISO_DATE_RE.test(value) ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw invalidInput(`${field} must be an ISO 8601 date-time with a time zone${orNull ? ', or null' : ''}.`, field);
  }
  return date;
}

/** A name the client sent, quoted when safe to echo. */
export function shown(name: string): string {
  return quoteSafely(name, '(name not shown)');
}

/** `invalid_input` with `message`, naming `field` when there is one. */
export function invalidInput(message: string, field: string | undefined): KeygateError {
  return new KeygateError('invalid_input', message, field === undefined ? {} : { field });
}
