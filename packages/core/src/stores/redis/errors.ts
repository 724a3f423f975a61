import { isNetworkError } from '../outage.js';

// Replies of a Redis that cannot serve now: loading its data, running a long script, without a
// master or a covered slot, read-only (a failover in progress), or out of memory.
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|OOM) /;
// ioredis' own errors, which carry no code: a closed or not yet writable connection, a command
// timeout, a cluster that is not ready.
const UNAVAILABLE_MESSAGE =
  /^(Connection is closed\.|Stream isn't writeable|Command timed out|Cluster isn't ready|Failed to refresh slots cache)/;
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/**
 * True when an ioredis error means Redis could not be reached or cannot serve now (RedisStore then
 * rejects with `store_unavailable`); false for other errors, e.g. WRONGTYPE on a key written by
 * someone else.
 */
export function isRedisOutage(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  if (!(error instanceof Error)) return false;
  const { name, message } = error;
  return UNAVAILABLE_NAMES.has(name) || UNAVAILABLE_REPLY.test(message) || UNAVAILABLE_MESSAGE.test(message);
}
