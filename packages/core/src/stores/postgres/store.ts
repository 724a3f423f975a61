import type { Pool, PoolClient } from 'pg';
import { KeygateError } from '../../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../../key/record.js';
import { type OptionChecks, optionChecks, optionNames } from '../../options.js';
import { guardOutage, type OutageGuard, resolveStoreTimeout } from '../outage.js';
import type {
  CreateRecordOptions,
  FindRecordsOptions,
  FoundPage,
  KeyStore,
  LastUsedUpdate,
  ListRecordsOptions,
  RecordPage,
  RecordRotation,
  UpdateRecordOptions,
} from '../store.js';
import { PostgresCredits } from './credits.js';
import { isPostgresOutage } from './errors.js';
import { type FoundRow, findParams, findStatements, toFoundPage } from './find.js';
import { type TableName, tableName } from './identifiers.js';
import { migrationSql, type PostgresTableOptions } from './migration.js';
import { type ListRow, listParams, toPage } from './page.js';
import { type Statements, statements } from './statements.js';
import { inTransaction, withConnection } from './transaction.js';
import {
  assertCap,
  assertVersion,
  findRecord,
  insertRecord,
  lockOwner,
  patchRecord,
  patchRecordIfVersion,
} from './writes.js';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions extends PostgresTableOptions {
  /** A pg connection pool. The store never ends it. */
  pool: Pool;
  /**
   * The most one call may take, in milliseconds, waiting for a connection included, whatever the
   * pool's own settings: past it the call rejects with `store_unavailable` and its connection is
   * destroyed. Default 1000. `migrate()` is bounded too: give a store of its own a longer one to
   * migrate a large table.
   */
  timeoutMs?: number;
}

const check: OptionChecks = optionChecks('PostgresStore');
const OPTION_NAMES = optionNames<PostgresStoreOptions>({ pool: true, schema: true, table: true, timeoutMs: true });

/**
 * A {@link KeyStore} on PostgreSQL (pg). Create the table with `migrate()` or the SQL of
 * `postgresMigration()`. Every query is parameterised; schema and table names are validated and quoted.
 * Each call runs on one connection taken from the pool. A server that cannot be reached or cannot
 * serve now, or a call not done within `timeoutMs`, makes the call reject with KeygateError
 * `store_unavailable` (the pg error as `cause`); other pg errors are passed on as they are.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { PostgresStore } from '@keygate/core/postgres';
 *
 * const store = new PostgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await store.migrate(); // or run postgresMigration() from your migration tool
 * const keygate = createKeygate({ store, prefix: 'sk_live' });
 * ```
 */
export class PostgresStore extends PostgresCredits implements KeyStore {
  readonly #pool: Pool;
  readonly #name: TableName;
  readonly #sql: Statements;
  readonly #find: ReturnType<typeof findStatements>;
  readonly #guard: OutageGuard;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: PostgresStoreOptions) {
    const { pool } = check.object<PostgresStoreOptions>(undefined, options, OPTION_NAMES);
    if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      check.fail('`pool` must be a pg Pool.', 'pool');
    }
    const name = tableName(options.schema, options.table);
    const timeoutMs = resolveStoreTimeout(options.timeoutMs, check);
    const guard: OutageGuard = { storeName: 'PostgreSQL', isOutage: isPostgresOutage, timeoutMs };
    super(pool, guard, name);
    this.#pool = pool;
    this.#name = name;
    this.#sql = statements(name.qualified);
    this.#find = findStatements(name.qualified);
    this.#guard = guard;
  }

  /**
   * Creates the table and its indexes when missing, or upgrades a table an earlier version made
   * (idempotent; concurrent calls wait for each other). The schema must exist. Bounded by
   * `timeoutMs` like every call.
   */
  async migrate(): Promise<void> {
    return this.#run((client) =>
      inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keygate:migrate:${this.#name.qualified}`]);
        await client.query(migrationSql(this.#name));
      }),
    );
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return this.#run((client) => findRecord(client, this.#sql, id));
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    const cap = options.maxActivePerOwner;
    if (cap !== undefined) assertCap(cap);
    return this.#run(async (client) => {
      if (cap === undefined) return insertRecord(client, this.#sql, record, undefined, null);
      await inTransaction(client, async () => {
        await lockOwner(client, this.#sql, this.#name.qualified, record.owner);
        await insertRecord(client, this.#sql, record, cap, null);
      });
    });
  }

  async update(id: string, patch: KeyRecordPatch, options: UpdateRecordOptions = {}): Promise<KeyRecord | null> {
    const { ifVersion } = options;
    return this.#run((client) => {
      if (ifVersion === undefined) return patchRecord(client, this.#sql, id, patch);
      return patchRecordIfVersion(client, this.#sql, id, patch, ifVersion);
    });
  }

  async rotate({
    id,
    ifVersion,
    patch,
    replacement,
    maxActivePerOwner: cap,
  }: RecordRotation): Promise<KeyRecord | null> {
    if (cap !== undefined) assertCap(cap);
    return this.#run((client) =>
      inTransaction(client, async () => {
        // The owner's lock before the key's, in the order create takes it, so the two cannot deadlock.
        if (cap !== undefined) await lockOwner(client, this.#sql, this.#name.qualified, replacement.owner);
        const { rows } = await client.query<{ owner: string; version: number }>(this.#sql.lockKey, [id]);
        if (!rows[0]) return null;
        assertVersion(rows[0].version, ifVersion);
        if (rows[0].owner !== replacement.owner) {
          throw new KeygateError('invalid_input', 'A replacement key must belong to the owner of the key it replaces.');
        }
        await insertRecord(client, this.#sql, replacement, cap, id);
        return patchRecord(client, this.#sql, id, patch);
      }),
    );
  }

  async listByOwner(owner: string, options: ListRecordsOptions): Promise<RecordPage> {
    const sql = options.activeAt === undefined ? this.#sql.listAll : this.#sql.listActive;
    const params = listParams(owner, options);
    return this.#run(async (client) => toPage((await client.query<ListRow>(sql, params)).rows, options.limit));
  }

  /** One range of the `_exp_idx` index. */
  async findExpiring(until: number, options: FindRecordsOptions): Promise<FoundPage> {
    const params = findParams(until, options).slice(0, 5);
    const query = (client: PoolClient) => client.query<FoundRow>(this.#find.expiring, params);
    return this.#run(async (client) => toFoundPage((await query(client)).rows, options.limit));
  }

  /** One bounded range of the `_idle_idx` index. */
  async findUnused(before: number, options: FindRecordsOptions): Promise<FoundPage> {
    const params = findParams(before, options);
    const query = (client: PoolClient) => client.query<FoundRow>(this.#find.unused, params);
    return this.#run(async (client) => toFoundPage((await query(client)).rows, options.limit));
  }

  // One store operation on a connection of its own, within the deadline: an outage or a missed
  // deadline rejects as `store_unavailable`.
  /** Last-used times of many keys in one statement, keeping a later time already stored. */
  async touchMany(updates: readonly LastUsedUpdate[]): Promise<void> {
    const ids = updates.map(({ id }) => id);
    const times = updates.map(({ lastUsedAt }) => lastUsedAt.toISOString());
    await this.#run((client) => client.query(this.#sql.touchMany, [ids, times]));
  }

  #run<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return guardOutage((deadline) => withConnection(this.#pool, deadline, work), this.#guard);
  }
}
