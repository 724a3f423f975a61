import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import { isKeygateError } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import { PostgresAuditSink, type PostgresAuditSinkOptions, postgresAuditMigration } from '../../src/postgres.js';
import { until } from '../support/poll.js';
import { describeAuditSink } from './contract.js';
import { event, NOW } from './events.js';

// One fresh schema per run, dropped with everything in it afterwards.
const db = postgresSchema();
const { schema } = db;
const table = 'audit';
const DAY = 86_400_000;
const sinks: PostgresAuditSink[] = [];
let pool: pg.Pool;

function sinkWith(options: Partial<PostgresAuditSinkOptions> = {}): PostgresAuditSink {
  const sink = new PostgresAuditSink({ pool, schema, table, now: () => NOW, timeoutMs: 10_000, ...options });
  sinks.push(sink);
  return sink;
}

beforeAll(async () => {
  pool = db.pool();
  await sinkWith().migrate();
});
afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.close()));
});

describeAuditSink('PostgresAuditSink', async () => {
  const sink = sinkWith();
  return {
    sink,
    flush: () => sink.flush(),
    cleanup: async () => {
      await sink.close();
      await pool.query(`TRUNCATE "${schema}"."${table}"`);
    },
  };
});

async function rowCount(name = table): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${name}"`);
  return Number(rows[0]?.n);
}

describe('PostgresAuditSink table', () => {
  it('migrates idempotently, also when called concurrently', async () => {
    const other = sinkWith({ table: 'audit_twice' });
    await Promise.all([other.migrate(), other.migrate(), other.migrate()]);
    await other.migrate();
    other.record(event());
    await other.flush();
    expect(await rowCount('audit_twice')).toBe(1);
  });

  it('is append-only: an UPDATE of a row is refused', async () => {
    const sink = sinkWith({ table: 'audit_append' });
    await sink.migrate();
    sink.record(event());
    await sink.flush();
    await expect(pool.query(`UPDATE "${schema}"."audit_append" SET owner = 'someone'`)).rejects.toThrow(/append-only/);
  });

  it('ships its migration as SQL with quoted, validated names', () => {
    const sql = postgresAuditMigration({ schema: 'auth', table: 'key_events' });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "auth"."key_events"');
    expect(sql).toContain('"key_events_key_idx"');
    expect(postgresAuditMigration()).toContain('"public"."keygate_audit"');
  });

  it.each([['a"; DROP TABLE x; --'], ['1table'], ['x'.repeat(54)]])('refuses the table name %j', (name) => {
    expect(() => postgresAuditMigration({ table: name })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => new PostgresAuditSink({ pool, table: name })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it.each([
    ['maxQueue', 0],
    ['batchSize', 1.5],
    ['flushIntervalMs', -1],
    ['maxAgeMs', 1000],
    ['timeoutMs', 0],
  ])('refuses %s: %j', (name, value) => {
    expect(() => new PostgresAuditSink({ pool, [name]: value })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it('indexes the queries: by key, by owner, by time', async () => {
    const { rows } = await pool.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [schema, table],
    );
    const defs = rows.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/_key_idx ON \S+ USING btree \(key_id, "time", id\) WHERE \(key_id IS NOT NULL\)/);
    expect(defs).toMatch(/_own_idx ON \S+ USING btree \(owner, "time", id\) WHERE \(owner IS NOT NULL\)/);
    expect(defs).toMatch(/_time_idx ON \S+ USING btree \("time", id\)/);
  });
});

describe('PostgresAuditSink retention', () => {
  it('deletes rows older than maxAgeMs and keeps the others', async () => {
    const sink = sinkWith({ table: 'audit_retention', maxAgeMs: DAY });
    await sink.migrate();
    for (const age of [3 * DAY, 2 * DAY, DAY + 1, DAY - 1, 0]) sink.record(event(-age));
    await sink.flush();
    expect(await sink.prune()).toBe(3);
    const { events } = await sink.query({});
    expect(events.map((e) => NOW - e.time.getTime())).toEqual([0, DAY - 1]);
  });

  it('deletes in bounded statements, at most 50 000 rows per run', async () => {
    const name = 'audit_bounded';
    const sink = sinkWith({ table: name, maxAgeMs: DAY });
    await sink.migrate();
    await pool.query(
      `INSERT INTO "${schema}"."${name}" (time, type) SELECT $1, 'verified' FROM generate_series(1, 50010)`,
      [new Date(NOW - 2 * DAY)],
    );
    expect(await sink.prune()).toBe(50_000);
    expect(await sink.prune()).toBe(10);
    expect(await rowCount(name)).toBe(0);
  });

  it('prunes on its own every pruneIntervalMs', async () => {
    const sink = sinkWith({ table: 'audit_timer', maxAgeMs: DAY, pruneIntervalMs: 1000 });
    await sink.migrate();
    sink.record(event(-2 * DAY));
    await sink.flush();

    await until('the timer to prune', async () => (await rowCount('audit_timer')) === 0);
  });
});

describe('PostgresAuditSink off the request path', () => {
  it('drops and counts events past maxQueue when the table is missing, and reports the failed writes', async () => {
    const errors: unknown[] = [];
    const sink = sinkWith({ table: 'no_such_table', maxQueue: 4, batchSize: 2, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) sink.record(event(i));
    await sink.flush();
    expect(sink.dropped).toBe(10);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => !isKeygateError(e) || e.message.includes('audit'))).toBe(true);
  });

  it('answers a query of a row it cannot read as store_unavailable, never with the odd data', async () => {
    const name = 'audit_odd';
    const sink = sinkWith({ table: name });
    await sink.migrate();
    await pool.query(`INSERT INTO "${schema}"."${name}" (time, type, key_id) VALUES ($1, 'DROP TABLE', 'k')`, [
      new Date(NOW),
    ]);
    const error = await sink.query({}).catch((e: unknown) => e);
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
  });

  it('keeps events of every optional field apart from each other (no row mixes two events)', async () => {
    const sink = sinkWith({ table: 'audit_mix' });
    await sink.migrate();
    const events: AuditEvent[] = Array.from({ length: 150 }, (_, i) =>
      event(
        i,
        i % 2 ? { type: 'rate_limited', policies: [`p${i}`] } : { type: 'failed', reason: 'invalid', keyId: `k${i}` },
      ),
    );
    for (const e of events) sink.record(e);
    await sink.flush();
    const page = await sink.query({ limit: 1000 });
    expect(page.events).toStrictEqual([...events].reverse());
  });
});
