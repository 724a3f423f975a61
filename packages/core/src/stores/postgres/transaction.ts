// The pooled connection each PostgresStore operation runs on, and transactions on it. A query
// that never returns cannot be cancelled, so the connection running it is destroyed at the
// deadline (`release` with an error), never returned: the pool replaces it and cannot fill up
// with connections stuck on a server or a network that stopped answering.
import type { Pool, PoolClient } from 'pg';
import { KeygateError } from '../../errors.js';

// Connections found unusable (a ROLLBACK that failed), destroyed rather than returned to the pool.
const broken = new WeakMap<PoolClient, Error>();

/**
 * Runs `work` on one connection taken from the pool. Taken after `deadline` aborted, the connection
 * goes back unused; when `deadline` aborts during `work`, it is destroyed at once (the pool then
 * opens a new one when needed) and `work`'s queries fail. A connection that failed meanwhile (its
 * `error` event, which would otherwise go unhandled) is destroyed rather than returned too.
 */
export async function withConnection<T>(
  pool: Pool,
  deadline: AbortSignal,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  if (deadline.aborted) {
    client.release();
    throw deadline.reason;
  }
  let released = false;
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    deadline.removeEventListener('abort', destroy);
    const fault = error ?? lost ?? broken.get(client);
    // A destroyed connection keeps the listener, so that a late error of its socket goes nowhere.
    if (fault === undefined) client.removeListener('error', onError);
    client.release(fault);
  };
  const destroy = () =>
    release(
      deadline.reason instanceof Error
        ? deadline.reason
        : new KeygateError('store_unavailable', 'keygate: the PostgreSQL key store missed its deadline.'),
    );
  deadline.addEventListener('abort', destroy, { once: true });
  try {
    return await work(client);
  } finally {
    release();
  }
}

/** Runs `work` in a READ COMMITTED transaction on `client`: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that could not roll back is discarded when released (see withConnection).
    await client.query('ROLLBACK').catch((rollbackError: Error) => broken.set(client, rollbackError));
    throw error;
  }
}
