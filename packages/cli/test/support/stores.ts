// The stores the CLI tests run against: the real Redis (inject('redisUrl'), a random key prefix
// removed afterwards) and PostgreSQL (a fresh schema, migrated by `keygate migrate`, dropped
// afterwards). An unreachable PostgreSQL fails its tests with POSTGRES_HINT; nothing is skipped.
import { randomBytes } from 'node:crypto';
import { type AuditSink, createKeygate, type Keygate, type KeyStore } from '@keygate/core';
import { PostgresAuditSink, PostgresStore } from '@keygate/core/postgres';
import { RedisAuditSink, RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { databaseUrl, freshSchemaName, POSTGRES_HINT } from '../../../../test/support/postgres.js';
import type {} from '../../../../test/support/redis-global-setup.js';
import { cli } from './cli.js';

/** One store the CLI is pointed at. */
export interface StoreCase {
  readonly name: string;
  /** The store options of every command (throws when the store cannot be reached). */
  args(): string[];
  /** The same store, opened in-process, to check what the CLI wrote. */
  open(): KeyStore;
  /** The audit log next to the store, opened in-process, to write the events the CLI reads. */
  openAudit(): AuditSink & { flush(): Promise<void> };
}

/** Registers this file's store hooks and returns its Redis and PostgreSQL cases. */
export function cliStores(): readonly StoreCase[] {
  const redisUrl = inject('redisUrl');
  const keyPrefix = `keygate-cli-test:${randomBytes(5).toString('hex')}:`;
  const schema = freshSchemaName();
  let redis: Redis | undefined;
  let pool: pg.Pool | undefined;
  let unreachable: Error | undefined;

  beforeAll(async () => {
    redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    try {
      await pool.query(`CREATE SCHEMA "${schema}"`);
    } catch (error) {
      unreachable = new Error(`${POSTGRES_HINT} (${(error as Error).message})`);
      return;
    }
    const migrated = await cli(['migrate', '--store', databaseUrl, '--schema', schema, '--audit']);
    if (migrated.code !== 0) throw new Error(`keygate migrate failed: ${migrated.stderr}`);
  });

  afterAll(async () => {
    const keys = await redis?.keys(`${keyPrefix}*`);
    if (keys?.length) await redis?.del(...keys);
    redis?.disconnect();
    try {
      if (!unreachable) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await pool?.end();
    }
  });

  return [
    {
      name: 'Redis',
      args: () => ['--store', redisUrl, '--key-prefix', keyPrefix],
      open: () => new RedisStore({ client: redis as Redis, keyPrefix }),
      openAudit: () => new RedisAuditSink({ client: redis as Redis, keyPrefix }),
    },
    {
      name: 'PostgreSQL',
      args: () => {
        if (unreachable) throw unreachable;
        return ['--store', databaseUrl, '--schema', schema];
      },
      open: () => new PostgresStore({ pool: pool as pg.Pool, schema }),
      openAudit: () => new PostgresAuditSink({ pool: pool as pg.Pool, schema }),
    },
  ];
}

/** The README's quick start over `store` (prefix sk_live, the default hasher; no cache): the app that verifies the CLI's keys. */
export function app(store: StoreCase): Keygate {
  return createKeygate({ store: store.open(), cache: false, prefix: 'sk_live' });
}
