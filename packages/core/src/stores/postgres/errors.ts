import { isNetworkError } from '../outage.js';

// SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
// resources (e.g. too many connections), 57 operator intervention (shutdown, statement timeout).
const UNAVAILABLE_SQLSTATE = /^(08|53|57)/;
// pg's own errors, which carry no code: the pool's connect timeout, a connection that dropped,
// and the client-side `query_timeout`.
const UNAVAILABLE_MESSAGE = /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout)/;

/**
 * True when a pg error means PostgreSQL could not be reached or cannot serve now (PostgresStore
 * then rejects with `store_unavailable`); false for other errors, e.g. a missing table.
 */
export function isPostgresOutage(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}
