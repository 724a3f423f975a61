// Telling a store outage from other store failures, and bounding every store operation in time.
// Store adapters (PostgreSQL, Redis) decide what an outage looks like for their driver; here is
// what they share: socket errors, a deadline on each operation whatever the client's own
// settings, and turning an outage or a missed deadline into KeygateError `store_unavailable`,
// which adapters and the management routes answer with 503 and `Retry-After`.
import { KeygateError } from '../errors.js';
import type { OptionChecks } from '../options.js';

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

/** The deadline of one store operation when a store is given no `timeoutMs`. */
export const DEFAULT_STORE_TIMEOUT_MS = 1_000;

// setTimeout's largest delay; a longer one would fire at once.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** How a store guards its operations: its name in messages, its outage test, its deadline. */
export interface OutageGuard {
  /** The store's name in error messages, e.g. `Redis`. */
  readonly storeName: string;
  /** True for a driver error that means the store cannot be reached or cannot serve now. */
  readonly isOutage: (error: unknown) => boolean;
  /** The most an operation may take, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Validates a store's `timeoutMs` option with the store's `checks` (throws `invalid_options` naming
 * the store) and applies the default, {@link DEFAULT_STORE_TIMEOUT_MS}.
 */
export function resolveStoreTimeout(timeoutMs: unknown, checks: OptionChecks): number {
  return checks.integer('timeoutMs', timeoutMs, { min: 1, max: MAX_TIMEOUT_MS, default: DEFAULT_STORE_TIMEOUT_MS });
}

/**
 * Runs one store operation within `guard.timeoutMs`. A failure `guard.isOutage` recognises rejects
 * as `store_unavailable` (the original error as `cause`, the message naming only the store); any
 * other failure as it is. When the deadline passes first, the call rejects with
 * `store_unavailable` at once and `deadline` aborts: the operation must then start nothing more
 * and free what it holds (its late outcome is ignored).
 */
export function guardOutage<T>(operation: (deadline: AbortSignal) => Promise<T>, guard: OutageGuard): Promise<T> {
  const { storeName, isOutage, timeoutMs } = guard;
  const deadline = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const late = new KeygateError(
        'store_unavailable',
        `keygate: the ${storeName} key store did not answer within ${timeoutMs} ms.`,
      );
      deadline.abort(late);
      reject(late);
    }, timeoutMs);
    const settle = () => clearTimeout(timer);
    Promise.resolve()
      .then(() => operation(deadline.signal))
      .then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(asOutage(error, isOutage, storeName));
        },
      );
  });
}

// A failure as the store's caller sees it: an outage as `store_unavailable`, anything else as it is.
function asOutage(error: unknown, isOutage: (error: unknown) => boolean, storeName: string): unknown {
  if (error instanceof KeygateError || !isOutage(error)) return error;
  return new KeygateError('store_unavailable', `keygate: the ${storeName} key store is unavailable.`, {
    cause: error,
  });
}
