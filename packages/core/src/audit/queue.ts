// The bounded queue between the request path and an audit store: `push` never waits and never
// grows the queue past its bound (an event past it is dropped and counted); batches are written
// one at a time, on size or on a timer that never keeps the process alive.
import type { AuditEvent } from '../events.js';

/** How a queue batches: its bound, its batch size and how often it writes a partial batch. */
export interface AuditQueueLimits {
  readonly maxQueue: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
}

/** Writes one batch (within the store's deadline); a rejection loses the batch. */
export type AuditBatchWriter = (batch: readonly AuditEvent[]) => Promise<void>;

/** A bounded, batching queue of audit events in front of one writer. */
export class AuditQueue {
  readonly #limits: AuditQueueLimits;
  readonly #write: AuditBatchWriter;
  readonly #onError: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #queue: AuditEvent[] = [];
  #draining: Promise<void> | undefined;
  #dropped = 0;
  #closed = false;

  constructor(limits: AuditQueueLimits, write: AuditBatchWriter, onError: (error: unknown) => void) {
    this.#limits = limits;
    this.#write = write;
    this.#onError = onError;
    this.#timer = setInterval(() => void this.#drain(), limits.flushIntervalMs);
    this.#timer.unref();
  }

  /** Events lost: the queue was full or closed, or their batch failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events waiting to be written (the batch being written excluded). */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues one event, or drops and counts it when the queue is full or closed. Never throws. */
  push(event: AuditEvent): void {
    if (this.#closed || this.#queue.length >= this.#limits.maxQueue) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length >= this.#limits.batchSize) void this.#drain(); // never rejects: failures are counted
  }

  /** Writes everything queued now; resolves once the queue is empty (failed batches counted as dropped). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#draining !== undefined) await this.#drain();
  }

  /** Stops taking events and the timer, then writes what is queued. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
  }

  // One writer at a time: batches go out in order, each after the previous settled.
  #drain(): Promise<void> {
    this.#draining ??= this.#writeAll().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #writeAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#limits.batchSize);
      try {
        await this.#write(batch);
      } catch (error) {
        this.#dropped += batch.length;
        this.#onError(error);
      }
    }
  }
}
