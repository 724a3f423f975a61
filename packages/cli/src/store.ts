// Opening a KeyStore from a `--store` URL. ioredis and pg are optional peer dependencies: each,
// with the @keygate/core entry built on it, is loaded only when a URL needs it.
import { type AuditSink, KeygateError, type KeyStore } from '@keygate/core';
import type { PostgresStore } from '@keygate/core/postgres';
import type { Values } from './command-line.js';
import { usage } from './exit.js';
import type { CliIo } from './io.js';
import { text } from './options.js';

/** An open store and how to let go of its connections. */
export interface OpenStore {
  readonly store: KeyStore;
  readonly kind: 'redis' | 'postgres';
  /** Creates the PostgreSQL table (PostgreSQL only). */
  readonly migrate?: () => Promise<void>;
  /** The audit log on the same connection (`table`: PostgreSQL's audit table); close it before the store. */
  audit(table?: string): Promise<AuditSink & { migrate?: () => Promise<void> }>;
  close(): Promise<void>;
}

/** Where and how to open a store. */
export interface StoreOptions {
  readonly url: string | undefined;
  readonly keyPrefix?: string | undefined;
  readonly schema?: string | undefined;
  readonly table?: string | undefined;
}

/** Opens the store a URL names (redis://, rediss://, postgres://, postgresql://). Throws a KeygateError. */
export async function openStore(options: StoreOptions): Promise<OpenStore> {
  const { url } = options;
  if (url === undefined || url === '') throw usage('--store URL is required (or set KEYGATE_STORE).');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') {
    throw usage(
      'A memory: store lives and dies with one process, so it is no use to a CLI: use redis:// or postgres://.',
    );
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    if (options.schema !== undefined || options.table !== undefined)
      throw usage('--schema and --table are for PostgreSQL stores.');
    return openRedis(url, options.keyPrefix);
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (options.keyPrefix !== undefined) throw usage('--key-prefix is for Redis stores.');
    return openPostgres(url, options.schema, options.table);
  }
  throw usage('--store must be a redis://, rediss://, postgres:// or postgresql:// URL.');
}

async function openRedis(url: string, keyPrefix: string | undefined): Promise<OpenStore> {
  const { Redis } = await load<typeof import('ioredis')>('ioredis');
  const { RedisAuditSink, RedisStore } = await import('@keygate/core/redis');
  // Fail fast: one connection attempt, no retries, no queueing while disconnected.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const host = URL.canParse(url) ? ` at ${new URL(url).host}` : '';
    throw new KeygateError('store_unavailable', `cannot connect to Redis${host}: ${(error as Error).message}`);
  }
  const prefix = keyPrefix === undefined ? {} : { keyPrefix };
  return {
    store: new RedisStore({ client, timeoutMs: CLI_TIMEOUT_MS, ...prefix }),
    kind: 'redis',
    audit: async () => new RedisAuditSink({ client, timeoutMs: CLI_TIMEOUT_MS, ...prefix }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

// How long one store operation of the CLI may take; connecting has its own, shorter bound.
const CLI_TIMEOUT_MS = 10 * 60_000;

async function openPostgres(url: string, schema: string | undefined, table: string | undefined): Promise<OpenStore> {
  const pg = await load<typeof import('pg')>('pg');
  const { PostgresAuditSink, PostgresStore } = await import('@keygate/core/postgres');
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof import('pg') }).default.Pool;
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  let store: PostgresStore;
  try {
    // A command, not a request: no tight deadline (an index build during `migrate` can take minutes).
    store = new PostgresStore({ pool, schema, table, timeoutMs: CLI_TIMEOUT_MS });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const audit = async (auditTable?: string) =>
    new PostgresAuditSink({ pool, schema, table: auditTable, timeoutMs: CLI_TIMEOUT_MS });
  return { store, kind: 'postgres', migrate: () => store.migrate(), audit, close: () => pool.end() };
}

async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new KeygateError(
      'store_unavailable',
      `this store needs the "${name}" package: install it next to @keygate/cli.`,
      { cause: error },
    );
  }
}

/** The store the options name: `--store` or KEYGATE_STORE, with `--key-prefix`, `--schema`, `--table`. */
export function openStoreOf(values: Values, io: CliIo): Promise<OpenStore> {
  return openStore({
    url: storeUrlOf(values, io),
    keyPrefix: text(values['key-prefix']),
    schema: text(values.schema),
    table: text(values.table),
  });
}

/** `--store`, else the KEYGATE_STORE environment variable. */
export function storeUrlOf(values: Values, io: CliIo): string | undefined {
  return text(values.store) ?? io.env.KEYGATE_STORE;
}

/** Opens the store the options name, runs `work` with it, and closes it. */
export async function withStore(values: Values, io: CliIo, work: (store: KeyStore) => Promise<void>): Promise<void> {
  const opened = await openStoreOf(values, io);
  try {
    await work(opened.store);
  } finally {
    await opened.close();
  }
}
