import type { Pool } from 'pg';
import { KeygateError } from '../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../record.js';
import type {
  CreateRecordOptions,
  KeyStore,
  ListRecordsOptions,
  RecordPage,
  RecordRotation,
  UpdateRecordOptions,
} from '../store.js';
import { guardOutage } from '../store-outage.js';
import { isPostgresOutage } from './errors.js';
import { type TableName, tableName } from './identifiers.js';
import { migrationSql, type PostgresTableOptions } from './migration.js';
import { type ListRow, listParams, toPage } from './page.js';
import { type Statements, statements } from './statements.js';
import { inTransaction } from './transaction.js';
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
}

/**
 * A {@link KeyStore} on PostgreSQL (pg). Create the table with `migrate()` or the SQL of
 * `postgresMigration()`. Every query is parameterised; schema and table names are validated and quoted.
 * A server that cannot be reached or cannot serve now makes a call reject with KeygateError
 * `store_unavailable` (the pg error as `cause`); other pg errors are passed on as they are.
 */
export class PostgresStore implements KeyStore {
  readonly #pool: Pool;
  readonly #name: TableName;
  readonly #sql: Statements;

  constructor(options: PostgresStoreOptions) {
    const pool = options?.pool;
    if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new KeygateError('invalid_options', 'keygate: PostgresStore needs `pool`, a pg Pool.');
    }
    this.#pool = pool;
    this.#name = tableName(options.schema, options.table);
    this.#sql = statements(this.#name.qualified);
  }

  /**
   * Creates the table and its indexes when missing, or upgrades a table an earlier version made
   * (idempotent; concurrent calls wait for each other). The schema must exist.
   */
  async migrate(): Promise<void> {
    return guard(async () => {
      await inTransaction(this.#pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keygate:migrate:${this.#name.qualified}`]);
        await client.query(migrationSql(this.#name));
      });
    });
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return guard(() => findRecord(this.#pool, this.#sql, id));
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    return guard(async () => {
      const cap = options.maxActivePerOwner;
      if (cap === undefined) return insertRecord(this.#pool, this.#sql, record, undefined, null);
      assertCap(cap);
      await inTransaction(this.#pool, async (client) => {
        await lockOwner(client, this.#sql, this.#name.qualified, record.owner);
        await insertRecord(client, this.#sql, record, cap, null);
      });
    });
  }

  async update(id: string, patch: KeyRecordPatch, options: UpdateRecordOptions = {}): Promise<KeyRecord | null> {
    return guard(() => {
      const { ifVersion } = options;
      if (ifVersion === undefined) return patchRecord(this.#pool, this.#sql, id, patch);
      return patchRecordIfVersion(this.#pool, this.#sql, id, patch, ifVersion);
    });
  }

  async rotate({
    id,
    ifVersion,
    patch,
    replacement,
    maxActivePerOwner: cap,
  }: RecordRotation): Promise<KeyRecord | null> {
    return guard(async () => {
      if (cap !== undefined) assertCap(cap);
      return inTransaction(this.#pool, async (client) => {
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
      });
    });
  }

  async listByOwner(owner: string, options: ListRecordsOptions): Promise<RecordPage> {
    return guard(async () => {
      const sql = options.activeAt === undefined ? this.#sql.listAll : this.#sql.listActive;
      const { rows } = await this.#pool.query<ListRow>(sql, listParams(owner, options));
      return toPage(rows, options.limit);
    });
  }
}

// One store operation: an outage rejects as `store_unavailable`.
function guard<T>(operation: () => Promise<T>): Promise<T> {
  return guardOutage(operation, isPostgresOutage, 'PostgreSQL');
}
