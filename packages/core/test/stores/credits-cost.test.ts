// What a credit spend costs: one script run on Redis (one command sent; the reads and writes all
// inside the script, counted with INFO commandstats on a private redis-server), and one statement
// on PostgreSQL (every statement the store sends is recorded), whose rows touched do not grow
// with the number of an owner's key allowances.
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSchema } from '../../../../test/support/postgres.js';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import type { CreditState } from '../../src/credits/allowance.js';
import { PostgresStore } from '../../src/postgres.js';
import { RedisStore } from '../../src/redis.js';
import type { CreditStore } from '../../src/stores/credit-store.js';
import { type Recorded, recordingPool, rowsTouched } from '../support/postgres-statements.js';
import { randomOwner, T0 } from '../support/records.js';

const LINEAGE = 'AAAAAAAAAAAA';
const plain = (remaining: number): CreditState => ({ remaining, refill: null, refillAt: null });
// Commands the measurement itself sends; not part of what is measured.
const MEASUREMENT_COMMANDS = new Set(['info', 'config']);

describe('RedisStore credit spend cost', () => {
  let server: RedisServer;
  let client: Redis;
  let store: RedisStore;
  const sent: string[] = [];

  // Runs one operation between CONFIG RESETSTAT and INFO commandstats: the commands the client
  // sent, and the calls per command Redis ran (those of scripts included).
  async function measure(operation: () => Promise<unknown>) {
    await client.config('RESETSTAT');
    sent.length = 0;
    await operation();
    const commands = [...sent];
    const calls: Record<string, number> = {};
    for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const command = match[1] as string;
      if (!MEASUREMENT_COMMANDS.has(command.split('|')[0] as string)) calls[command] = Number(match[2]);
    }
    return { sent: commands, calls };
  }

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command, stream) => {
      sent.push(command.name);
      return send(command, stream);
    }) as typeof client.sendCommand;
    store = new RedisStore({ client, keyPrefix: 'keygate-cost:' });
    // Loads the script on the server, so no measured call pays a NOSCRIPT round trip.
    await store.spendCredits(randomOwner(), LINEAGE, 1, T0);
  });

  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('spends from an owner and a key lineage with one script run: two reads and two writes inside it', async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, plain(10));
    await store.setCredits({ owner, lineage: LINEAGE }, plain(5));
    const cost = await measure(() => store.spendCredits(owner, LINEAGE, 1, T0));
    expect(cost).toStrictEqual({ sent: ['evalsha'], calls: { evalsha: 1, get: 2, set: 2 } });
  });

  it('refuses a spend with one script run that writes nothing', async () => {
    const owner = randomOwner();
    await store.setCredits({ owner }, plain(10));
    await store.setCredits({ owner, lineage: LINEAGE }, plain(0));
    const cost = await measure(() => store.spendCredits(owner, LINEAGE, 1, T0));
    expect(cost).toStrictEqual({ sent: ['evalsha'], calls: { evalsha: 1, get: 2 } });
  });
});

describe('PostgresStore credit spend cost', () => {
  const db = postgresSchema({ max: 4 });
  const table = 'cost_keys';
  const credits = () => `"${db.schema}"."${table}_credits"`;
  const MANY_LINEAGES = 10_000;
  const crowded = randomOwner();
  const single = randomOwner();
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = db.pool();
    const store = new PostgresStore({ pool, schema: db.schema, table });
    await store.migrate();
    for (const owner of [crowded, single]) {
      await store.setCredits({ owner }, plain(1_000));
      await store.setCredits({ owner, lineage: LINEAGE }, plain(1_000));
    }
    await pool.query(
      `INSERT INTO ${credits()} (owner, lineage, remaining)
       SELECT $1, 'L' || lpad(g::text, 11, '0'), 1000 FROM generate_series(1, $2::int) AS g`,
      [crowded, MANY_LINEAGES],
    );
    await pool.query(`ANALYZE ${credits()}`);
  });

  // Runs `operation` on a store whose pool records every statement it sends.
  async function statementsOf(operation: (store: CreditStore) => Promise<unknown>): Promise<Recorded[]> {
    const statements: Recorded[] = [];
    await operation(new PostgresStore({ pool: recordingPool(pool, statements), schema: db.schema, table }));
    return statements;
  }

  it('spends from an owner and a key lineage in one statement, without a transaction around it', async () => {
    const statements = await statementsOf((store) => store.spendCredits(single, LINEAGE, 1, T0));
    expect(statements).toHaveLength(1);
    expect(statements[0]?.text).toMatch(/^WITH locked AS \(/);
  });

  it.each([
    ['reads', (store: CreditStore) => store.getCredits({ owner: single })],
    ['sets', (store: CreditStore) => store.setCredits({ owner: single }, plain(1_000))],
    ['adds to', (store: CreditStore) => store.addCredits({ owner: single }, 1)],
    ['refills', (store: CreditStore) => store.refillCredits({ owner: single }, T0, T0 + 1)],
  ])('%s an allowance in one statement', async (_, operation) => {
    expect(await statementsOf(operation)).toHaveLength(1);
  });

  it(`spends touching a handful of rows, for an owner with ${MANY_LINEAGES} key allowances as for one with one`, async () => {
    const [heavy] = await statementsOf((store) => store.spendCredits(crowded, LINEAGE, 1, T0));
    const [light] = await statementsOf((store) => store.spendCredits(single, LINEAGE, 1, T0));
    // Two index lookups, the rows locked, updated and returned: a handful either way (the plans
    // may differ by a sort of the two rows).
    expect(await rowsTouched(pool, heavy as Recorded)).toBeLessThan(30);
    expect(await rowsTouched(pool, light as Recorded)).toBeLessThan(30);
  });
});
