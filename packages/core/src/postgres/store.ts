import type { Pool, PoolClient } from 'pg';
import { KeygateError } from '../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../record.js';
import type { CreateRecordOptions, KeyStore } from '../store.js';
import { guardOutage } from '../store-outage.js';
import { isPostgresOutage } from './errors.js';
import { type TableName, tableName } from './identifiers.js';
import { migrationSql, type PostgresTableOptions } from './migration.js';
import { COLUMNS, type KeyRow, PLACEHOLDERS, patchAssignments, recordValues, rowToRecord } from './rows.js';

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
  readonly #sql: ReturnType<typeof statements>;

  constructor(options: PostgresStoreOptions) {
    const pool = options?.pool;
    if (!pool || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new KeygateError('invalid_options', 'keygate: PostgresStore needs `pool`, a pg Pool.');
    }
    this.#pool = pool;
    this.#name = tableName(options.schema, options.table);
    this.#sql = statements(this.#name.qualified);
  }

  /** Creates the table and its indexes when missing (idempotent; concurrent calls wait for each other). The schema must exist. */
  async migrate(): Promise<void> {
    return guard(async () => {
      await this.#transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keygate:migrate:${this.#name.qualified}`]);
        await client.query(migrationSql(this.#name));
      });
    });
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return guard(async () => {
      const { rows } = await this.#pool.query<KeyRow>(this.#sql.findById, [id]);
      return rows[0] ? rowToRecord(rows[0]) : null;
    });
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    return guard(async () => {
      const cap = options.maxActivePerOwner;
      const values = recordValues(record);
      if (cap === undefined) {
        const { rowCount } = await this.#pool.query(this.#sql.insert, values);
        if (rowCount === 0) throw conflict();
        return;
      }
      if (!Number.isInteger(cap) || cap < 0) {
        throw new KeygateError('invalid_input', 'maxActivePerOwner must be a non-negative integer.');
      }
      await this.#transaction(async (client) => {
        // Creates for one owner queue on this lock; under READ COMMITTED each later statement sees
        // every key committed by those before, so the count below cannot miss a concurrent create.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
          this.#name.qualified,
          record.owner,
        ]);
        const { rows } = await client.query<{ taken: boolean; active: number }>(this.#sql.capCheck, [
          record.id,
          record.owner,
          record.createdAt.toISOString(),
          cap,
        ]);
        if (rows[0]?.taken) throw conflict();
        if ((rows[0]?.active ?? 0) >= cap) {
          throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
        }
        const { rowCount } = await client.query(this.#sql.insert, values);
        if (rowCount === 0) throw conflict();
      });
    });
  }

  async update(id: string, patch: KeyRecordPatch): Promise<KeyRecord | null> {
    return guard(async () => {
      const { sets, values } = patchAssignments(patch ?? {}, 2);
      const { rows } =
        sets.length === 0
          ? await this.#pool.query<KeyRow>(this.#sql.findById, [id])
          : await this.#pool.query<KeyRow>(
              `UPDATE ${this.#name.qualified} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
              [id, ...values],
            );
      return rows[0] ? rowToRecord(rows[0]) : null;
    });
  }

  async listByOwner(owner: string): Promise<KeyRecord[]> {
    return guard(async () => {
      const { rows } = await this.#pool.query<KeyRow>(this.#sql.listByOwner, [owner]);
      return rows.map(rowToRecord);
    });
  }

  // Runs `work` in a READ COMMITTED transaction on one pooled connection.
  async #transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A connection that could not roll back is discarded rather than returned to the pool.
      client.release(broken);
    }
  }
}

function statements(table: string) {
  return Object.freeze({
    findById: `SELECT ${COLUMNS} FROM ${table} WHERE id = $1`,
    listByOwner: `SELECT ${COLUMNS} FROM ${table} WHERE owner = $1 ORDER BY created_at, id`,
    insert: `INSERT INTO ${table} (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO NOTHING`,
    // Counts at most `cap` active keys: enough to decide, without reading an owner's whole history.
    capCheck: `SELECT EXISTS (SELECT 1 FROM ${table} WHERE id = $1) AS taken,
      (SELECT count(*)::int FROM (SELECT 1 FROM ${table} WHERE owner = $2 AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > $3::timestamptz) LIMIT $4) AS active_keys) AS active`,
  });
}

// One store operation: an outage rejects as `store_unavailable`.
function guard<T>(operation: () => Promise<T>): Promise<T> {
  return guardOutage(operation, isPostgresOutage, 'PostgreSQL');
}

function conflict(): KeygateError {
  return new KeygateError('conflict', 'A key with that id already exists.');
}
