import type { Cluster, Redis } from 'ioredis';
import type { AuditEvent } from '../../events.js';
import { type OptionChecks, optionChecks, optionNames } from '../../options.js';
import { guardOutage, type OutageGuard } from '../../stores/outage.js';
import { isRedisOutage } from '../../stores/redis/errors.js';
import { runScript } from '../../stores/redis/scripts.js';
import { AUDIT_SINK_OPTION_NAMES, type AuditSinkOptions, resolveAuditSinkOptions } from '../options.js';
import { type CheckedAuditQuery, checkAuditQuery } from '../query.js';
import { AuditQueue } from '../queue.js';
import type { AuditPage, AuditQuery, AuditSink } from '../sink.js';
import { entryCursor, entryEvent, idBefore, idBeforeCursor, malformedReply } from './entries.js';
import { APPEND_SCRIPT, type AuditStreams, appendsOf, auditStreams } from './streams.js';

/** Options of {@link RedisAuditSink}. */
export interface RedisAuditSinkOptions extends AuditSinkOptions {
  /** An ioredis client: a standalone `Redis` or a `Cluster`. The sink never closes it. */
  client: Redis | Cluster;
  /** Prefix of every stream the sink writes, without `{` or `}`. Default `keygate:`. */
  keyPrefix?: string;
  /** About how many entries each stream keeps (XADD MAXLEN ~): the oldest go first. Default 1_000_000. */
  maxEntries?: number;
}

const check: OptionChecks = optionChecks('RedisAuditSink');
const OPTION_NAMES = optionNames<RedisAuditSinkOptions>({
  client: true,
  keyPrefix: true,
  maxEntries: true,
  ...Object.fromEntries(AUDIT_SINK_OPTION_NAMES.map((name) => [name, true] as const)),
} as { [K in keyof Required<RedisAuditSinkOptions>]: true });

/**
 * An audit log in capped Redis streams (Redis 6.2 or later, or Redis Cluster): every event in
 * `<prefix>audit:all`, and in `<prefix>audit:key:<id>` and `<prefix>audit:owner:<owner>` when it
 * names them, so each query reads one stream. Events are queued and written in batches off the
 * request path; a full queue drops and counts (`dropped`); every write and query has a deadline
 * (`timeoutMs`). Retention: each write trims its stream to about `maxEntries` (MAXLEN ~) and to
 * `maxAgeMs` (MINID); a stream expires `maxAgeMs` after its last write; `<prefix>audit:all` is also
 * trimmed every `pruneIntervalMs`, and queries never return older entries. Timers never keep the
 * process alive.
 *
 * @example
 * ```ts
 * import { RedisAuditSink } from '@keygate/core/redis';
 *
 * const audit = new RedisAuditSink({ client: redis, maxAgeMs: 30 * 86_400_000 });
 * const keygate = createKeygate({ store, audit });
 * const { events, nextCursor } = await audit.query({ owner: 'team_42', since: new Date(Date.now() - 86_400_000) });
 * ```
 */
export class RedisAuditSink implements AuditSink {
  readonly #client: Redis | Cluster;
  readonly #streams: AuditStreams;
  readonly #maxEntries: string;
  readonly #guard: OutageGuard;
  readonly #queue: AuditQueue;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #pruneTimer: NodeJS.Timeout;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: RedisAuditSinkOptions) {
    const { client } = check.object<RedisAuditSinkOptions>(undefined, options, OPTION_NAMES);
    if (!client || typeof client.evalsha !== 'function' || typeof client.xrevrange !== 'function') {
      check.fail('`client` must be an ioredis Redis or Cluster.', 'client');
    }
    const resolved = resolveAuditSinkOptions(options, check);
    this.#client = client;
    this.#streams = auditStreams(check.redisKeyPrefix('keyPrefix', options.keyPrefix, 'keygate:'));
    this.#maxEntries = String(check.integer('maxEntries', options.maxEntries, { min: 1, default: 1_000_000 }));
    this.#guard = { storeName: 'Redis audit', isOutage: isRedisOutage, timeoutMs: resolved.timeoutMs };
    this.#maxAgeMs = resolved.maxAgeMs;
    this.#now = resolved.now;
    this.#queue = new AuditQueue(resolved.queue, (batch) => this.#write(batch), resolved.onError);
    this.#pruneTimer = setInterval(() => this.prune().catch(resolved.onError), resolved.pruneIntervalMs);
    this.#pruneTimer.unref();
  }

  get dropped(): number {
    return this.#queue.dropped;
  }

  record(event: AuditEvent): void {
    this.#queue.push(event);
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const checked = checkAuditQuery(query);
    const end = checked.cursor !== undefined ? idBeforeCursor(checked.cursor) : this.#end(checked);
    const oldest = Math.max(checked.since ?? 0, this.#now() - this.#maxAgeMs, 0);
    if (end === null) return { events: [], nextCursor: null };
    const stream = this.#streamOf(checked);
    const entries = await guardOutage(
      () => this.#client.xrevrange(stream, end, `${oldest}-0`, 'COUNT', checked.limit + 1),
      this.#guard,
    );
    if (!Array.isArray(entries)) throw malformedReply();
    const page = entries.slice(0, checked.limit).map(entryEvent);
    // The stream of a key holds its events of every owner field (failures often know none): keep the asked one.
    const events = page
      .map(({ event }) => event)
      .filter((event) => checked.owner === undefined || event.owner === checked.owner);
    const last = page.at(-1);
    return { events, nextCursor: entries.length > checked.limit && last ? entryCursor(last.id) : null };
  }

  /** Writes the events queued now (the timer and a full batch do it on their own). */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /** Trims entries older than `maxAgeMs` off the stream of all events; resolves with the number removed. */
  async prune(): Promise<number> {
    const oldest = Math.max(0, this.#now() - this.#maxAgeMs);
    return guardOutage(() => this.#client.xtrim(this.#streams.all, 'MINID', `${oldest}-0`), this.#guard);
  }

  /** Stops the timers and writes what is queued. The client stays open: it is the caller's. */
  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    await this.#queue.close();
  }

  #end(query: CheckedAuditQuery): string | null {
    return query.until === undefined ? '+' : idBefore(query.until);
  }

  #streamOf(query: CheckedAuditQuery): string {
    if (query.keyId !== undefined) return this.#streams.key(query.keyId);
    if (query.owner !== undefined) return this.#streams.owner(query.owner);
    return this.#streams.all;
  }

  // One script call per stream the batch touches, all within one deadline.
  async #write(batch: readonly AuditEvent[]): Promise<void> {
    const oldest = String(Math.max(0, this.#now() - this.#maxAgeMs));
    const ttl = String(this.#maxAgeMs);
    const appends = appendsOf(this.#streams, batch);
    await guardOutage(
      () =>
        Promise.all(
          [...appends].map(([stream, args]) =>
            runScript(this.#client, APPEND_SCRIPT, [stream], [this.#maxEntries, oldest, ttl, ...args]),
          ),
        ),
      this.#guard,
    );
  }
}
