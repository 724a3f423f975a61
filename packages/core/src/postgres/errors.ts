import { KeygateError } from '../errors.js';

// Socket errors of the connection to the server (Node's `code`).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
// resources (e.g. too many connections), 57 operator intervention (shutdown, statement timeout).
const UNAVAILABLE_SQLSTATE = /^(08|53|57)/;
// pg's own errors, which carry no code: the pool's connect timeout and a connection that dropped.
const UNAVAILABLE_MESSAGE = /^(timeout exceeded when trying to connect|Connection terminated)/;

/**
 * What a PostgresStore rejects with for a pg error: `store_unavailable` (the pg error as `cause`)
 * when the server could not be reached or cannot serve now, so callers answer 503 and retry; any
 * other error (a missing table, a bug) as it is.
 */
export function storeFailure(error: unknown): unknown {
  if (error instanceof KeygateError || !unavailable(error)) return error;
  return new KeygateError('store_unavailable', 'keygate: the PostgreSQL key store is unavailable.', { cause: error });
}

/** Runs one store operation, translating its failure with {@link storeFailure}. */
export async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeFailure(error);
  }
}

function unavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  // Node's AggregateError when every address of a host refused (e.g. localhost on ::1 and 127.0.0.1).
  return Array.isArray(errors) && errors.length > 0 && errors.every(unavailable);
}
