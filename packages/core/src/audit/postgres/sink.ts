import type { Pool, PoolClient } from 'pg';
import type { AuditEvent } from '../../events.js';
import { type OptionChecks, optionChecks, optionNames } from '../../options.js';
import { guardOutage, type OutageGuard } from '../../stores/outage.js';
import { isPostgresOutage } from '../../stores/postgres/errors.js';
import type { TableName } from '../../stores/postgres/identifiers.js';
import { inTransaction, withConnection } from '../../stores/postgres/transaction.js';
import { toStoredEvent } from '../event-codec.js';
import { AUDIT_SINK_OPTION_NAMES, type AuditSinkOptions, resolveAuditSinkOptions } from '../options.js';
import { checkAuditQuery } from '../query.js';
import { AuditQueue } from '../queue.js';
import type { AuditPage, AuditQuery, AuditSink } from '../sink.js';
import { auditMigrationSql, auditTableName, type PostgresAuditTableOptions } from './migration.js';
import { type AuditRow, cursorPosition, rowCursor, rowToEvent } from './rows.js';
import { insertSql, pageQuery, pruneSql } from './statements.js';

/** Options of {@link PostgresAuditSink}. */
export interface PostgresAuditSinkOptions extends PostgresAuditTableOptions, AuditSinkOptions {
  /** A pg connection pool. The sink never ends it. */
  pool: Pool;
}

const check: OptionChecks = optionChecks('PostgresAuditSink');
const OPTION_NAMES = optionNames<PostgresAuditSinkOptions>({
  pool: true,
  schema: true,
  table: true,
  ...Object.fromEntries(AUDIT_SINK_OPTION_NAMES.map((name) => [name, true] as const)),
} as { [K in keyof Required<PostgresAuditSinkOptions>]: true });

/** Rows one retention statement deletes at most, and statements one retention run makes at most. */
export const AUDIT_PRUNE_BATCH = 5_000;
const PRUNE_STATEMENTS = 10;

/**
 * An audit log in an append-only PostgreSQL table (create it with `migrate()` or the SQL of
 * `postgresAuditMigration()`). Events are queued and written in batches off the request path;
 * a full queue drops and counts (`dropped`), every write, query and retention run has a deadline
 * (`timeoutMs`), and rows older than `maxAgeMs` are deleted every `pruneIntervalMs`, at most
 * {@link AUDIT_PRUNE_BATCH} × 10 per run. Timers never keep the process alive.
 *
 * @example
 * ```ts
 * import { PostgresAuditSink } from '@keygate/core/postgres';
 *
 * const audit = new PostgresAuditSink({ pool, maxAgeMs: 30 * 86_400_000 });
 * await audit.migrate();
 * const keygate = createKeygate({ store, audit });
 * const { events, nextCursor } = await audit.query({ keyId: 'AbC123…', limit: 50 });
 * ```
 */
export class PostgresAuditSink implements AuditSink {
  readonly #pool: Pool;
  readonly #name: TableName;
  readonly #insert: string;
  readonly #prune: string;
  readonly #guard: OutageGuard;
  readonly #queue: AuditQueue;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #pruneTimer: NodeJS.Timeout;
  #pruning: Promise<number> | undefined;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: PostgresAuditSinkOptions) {
    const { pool } = check.object<PostgresAuditSinkOptions>(undefined, options, OPTION_NAMES);
    if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      check.fail('`pool` must be a pg Pool.', 'pool');
    }
    const resolved = resolveAuditSinkOptions(options, check);
    this.#pool = pool;
    this.#name = auditTableName(options);
    this.#insert = insertSql(this.#name.qualified);
    this.#prune = pruneSql(this.#name.qualified);
    this.#guard = { storeName: 'PostgreSQL audit', isOutage: isPostgresOutage, timeoutMs: resolved.timeoutMs };
    this.#maxAgeMs = resolved.maxAgeMs;
    this.#now = resolved.now;
    this.#onError = resolved.onError;
    this.#queue = new AuditQueue(resolved.queue, (batch) => this.#write(batch), resolved.onError);
    this.#pruneTimer = setInterval(() => this.prune().catch(this.#onError), resolved.pruneIntervalMs);
    this.#pruneTimer.unref();
  }

  /** Creates the table, its indexes and its update guard when missing (idempotent; concurrent calls wait for each other). */
  async migrate(): Promise<void> {
    await this.#run((client) =>
      inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keygate:migrate:${this.#name.qualified}`]);
        await client.query(auditMigrationSql(this.#name));
      }),
    );
  }

  get dropped(): number {
    return this.#queue.dropped;
  }

  record(event: AuditEvent): void {
    this.#queue.push(event);
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const checked = checkAuditQuery(query);
    const after = checked.cursor === undefined ? undefined : cursorPosition(checked.cursor);
    const { sql, params } = pageQuery(this.#name.qualified, checked, after);
    const rows = await this.#run(async (client) => (await client.query<AuditRow>(sql, params)).rows);
    const page = rows.slice(0, checked.limit);
    const events = page.map(rowToEvent);
    const last = page.at(-1);
    const nextCursor =
      rows.length > checked.limit && last !== undefined ? rowCursor(last, events.at(-1) as AuditEvent) : null;
    return { events, nextCursor };
  }

  /** Writes the events queued now (the timer and a full batch do it on their own). */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Deletes rows older than `maxAgeMs`, oldest first, in statements of at most
   * {@link AUDIT_PRUNE_BATCH} rows, at most 10 per run; resolves with the number deleted. Runs on
   * its own every `pruneIntervalMs`; concurrent calls share one run.
   */
  prune(): Promise<number> {
    this.#pruning ??= this.#pruneRun().finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  /** Stops the timers and writes what is queued. The pool stays open: it is the caller's. */
  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    await this.#queue.close();
  }

  async #pruneRun(): Promise<number> {
    const before = new Date(this.#now() - this.#maxAgeMs);
    let total = 0;
    for (let i = 0; i < PRUNE_STATEMENTS; i++) {
      const { rowCount } = await this.#run((client) => client.query(this.#prune, [before, AUDIT_PRUNE_BATCH]));
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < AUDIT_PRUNE_BATCH) break;
    }
    return total;
  }

  async #write(batch: readonly AuditEvent[]): Promise<void> {
    const rows = batch.map(toStoredEvent);
    const params = [
      rows.map((r) => new Date(r.time)),
      rows.map((r) => r.type),
      rows.map((r) => r.keyId),
      rows.map((r) => r.owner),
      rows.map((r) => r.reason),
      rows.map((r) => r.replacedBy),
      rows.map((r) => (r.policies === null ? null : JSON.stringify(r.policies))),
      rows.map((r) => r.route),
      rows.map((r) => r.ip),
      rows.map((r) => r.userAgent),
    ];
    await this.#run((client) => client.query(this.#insert, params));
  }

  // One operation on a connection of its own, within the deadline (see PostgresStore).
  #run<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return guardOutage((deadline) => withConnection(this.#pool, deadline, work), this.#guard);
  }
}
