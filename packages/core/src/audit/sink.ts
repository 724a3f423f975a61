// What an audit sink is: it takes the events of a keygate instance (off the request path) and
// answers queries over what it stored. The PostgreSQL and Redis sinks and MemoryAuditSink implement it.
import type { AuditEvent } from '../events.js';

/**
 * Which stored events to return: those of one key and/or one owner, within a time range, newest
 * first, a page at a time. Without `keyId` and `owner`, every event.
 */
export interface AuditQuery {
  /** Only events of this key id. */
  keyId?: string;
  /** Only events naming this owner (most `failed` events know no owner: query them by `keyId`). */
  owner?: string;
  /** Only events at or after this time. */
  since?: Date;
  /** Only events before this time. */
  until?: Date;
  /** Most events per page, 1-1000. Default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. Default: the first (newest) page. */
  cursor?: string | null;
}

/** One page of stored events, newest first, and the cursor of the next (older) page, null on the last. */
export interface AuditPage {
  /** The events of this page: never a key or a hash (events never carry one). */
  readonly events: AuditEvent[];
  /** Pass it as `cursor` to get the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/**
 * Stores audit events and answers queries over them: give one to createKeygate's `audit` option,
 * which then hands it every event, serves `GET /keys/:id/events` from it and closes it with
 * `keygate.close()`.
 */
export interface AuditSink {
  /**
   * Takes one event, at once: it never blocks, never throws, and never holds more than its queue's
   * bound (an event past it is dropped and counted in `dropped`).
   */
  record(event: AuditEvent): void;
  /** One page of stored events, newest first. Throws `invalid_input` for a bad query or cursor. */
  query(query: AuditQuery): Promise<AuditPage>;
  /** Events lost so far: dropped while the queue was full or after `close()`, or in a batch the store did not take. */
  readonly dropped: number;
  /** Writes the events still queued, and stops taking new ones and the sink's timers. */
  close(): Promise<void>;
}
