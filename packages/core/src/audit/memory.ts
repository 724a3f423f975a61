import type { AuditEvent } from '../events.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import { checkAuditQuery, decodeAuditCursor, encodeAuditCursor } from './query.js';
import type { AuditPage, AuditQuery, AuditSink } from './sink.js';

/** Options of {@link MemoryAuditSink}. */
export interface MemoryAuditSinkOptions {
  /** Events kept; past it the oldest go first. Default 10_000. */
  maxEntries?: number;
}

const check: OptionChecks = optionChecks('MemoryAuditSink');
const OPTION_NAMES = optionNames<MemoryAuditSinkOptions>({ maxEntries: true });
const CURSOR_KIND = 'mem';
const SEQ_RE = /^(\d{1,15})$/;

/**
 * An audit log in this process's memory, for tests and development: the last `maxEntries` events,
 * newest first in the order recorded. It lives and dies with the process.
 *
 * @example
 * ```ts
 * const audit = new MemoryAuditSink();
 * const keygate = createKeygate({ store: new MemoryStore(), audit });
 * ```
 */
export class MemoryAuditSink implements AuditSink {
  readonly #max: number;
  #entries: { seq: number; event: AuditEvent }[] = [];
  #seq = 0;
  #dropped = 0;
  #closed = false;

  /** Options are checked here: an invalid value throws `invalid_options`. */
  constructor(options: MemoryAuditSinkOptions = {}) {
    check.object(undefined, options, OPTION_NAMES);
    this.#max = check.integer('maxEntries', options.maxEntries, { min: 1, default: 10_000 });
  }

  get dropped(): number {
    return this.#dropped;
  }

  record(event: AuditEvent): void {
    if (this.#closed) {
      this.#dropped += 1;
      return;
    }
    this.#seq += 1;
    this.#entries.push({ seq: this.#seq, event });
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const q = checkAuditQuery(query);
    const before =
      q.cursor === undefined ? Number.POSITIVE_INFINITY : Number(decodeAuditCursor(CURSOR_KIND, q.cursor, SEQ_RE)[1]);
    const found: { seq: number; event: AuditEvent }[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && found.length <= q.limit; i--) {
      const entry = this.#entries[i] as { seq: number; event: AuditEvent };
      const { event } = entry;
      const time = event.time.getTime();
      if (
        entry.seq < before &&
        (q.keyId === undefined || event.keyId === q.keyId) &&
        (q.owner === undefined || event.owner === q.owner) &&
        (q.since === undefined || time >= q.since) &&
        (q.until === undefined || time < q.until)
      ) {
        found.push(entry);
      }
    }
    const page = found.slice(0, q.limit);
    const last = page.at(-1);
    return {
      events: page.map(({ event }) => event),
      nextCursor: found.length > q.limit && last ? encodeAuditCursor(CURSOR_KIND, String(last.seq)) : null,
    };
  }

  /** Stops taking events (later ones are counted in `dropped`). */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
