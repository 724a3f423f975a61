// Telling a store outage from other store failures. Store adapters (PostgreSQL, Redis) decide what
// an outage looks like for their driver; here is what they share: socket errors, and turning an
// outage into KeygateError `store_unavailable`, which adapters and the management routes answer
// with 503 and `Retry-After`.
import { KeygateError } from './errors.js';

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

/**
 * True for a socket error of a connection to a server (Node's `code`), including Node's
 * AggregateError when every address of a host failed (e.g. `localhost` on both ::1 and 127.0.0.1).
 */
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isNetworkError);
}

/**
 * Runs one store operation. A failure `isOutage` recognises rejects as `store_unavailable` (the
 * original error as `cause`, the message naming only the store); any other failure as it is.
 */
export async function guardOutage<T>(
  operation: () => Promise<T>,
  isOutage: (error: unknown) => boolean,
  storeName: string,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof KeygateError || !isOutage(error)) throw error;
    throw new KeygateError('store_unavailable', `keygate: the ${storeName} key store is unavailable.`, {
      cause: error,
    });
  }
}
