// What a RedisStore call costs, in Redis commands (those its scripts run included), for an owner
// with 20,000 revoked keys compared to an owner with 3 keys: revoked keys must cost nothing when
// listing active keys or checking the cap. Runs on a private redis-server, so that INFO
// commandstats counts only this file's commands.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import type { KeyRecord } from '../../src/key/record.js';
import { RedisStore } from '../../src/redis.js';
import { at, makeRecord, randomOwner, T0 } from '../support/records.js';

const REVOKED_KEYS = 20_000;
const BATCH = 500;
// Commands the measurement itself sends; not part of what is measured.
const MEASUREMENT_COMMANDS = new Set(['info', 'config']);

/** Calls per command (lower case) since the last CONFIG RESETSTAT, from INFO commandstats. */
function commandCalls(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const command = match[1] as string; // e.g. `zadd`, or `config|resetstat` for a subcommand
    if (!MEASUREMENT_COMMANDS.has(command.split('|')[0] as string)) calls[command] = Number(match[2]);
  }
  return calls;
}

function total(calls: Record<string, number>): number {
  return Object.values(calls).reduce((sum, n) => sum + n, 0);
}

describe('RedisStore cost with many revoked keys', () => {
  let server: RedisServer;
  let client: Redis;
  let store: RedisStore;
  const crowded = randomOwner();
  const small = randomOwner();

  // Runs one operation between CONFIG RESETSTAT and INFO commandstats.
  async function measure(operation: () => Promise<unknown>): Promise<Record<string, number>> {
    await client.config('RESETSTAT');
    await operation();
    return commandCalls(await client.info('commandstats'));
  }

  async function createActiveKeys(owner: string): Promise<void> {
    for (let i = 0; i < 3; i++) await store.create(makeRecord({ owner, createdAt: at(100_000 + i) }));
  }

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
    // No deadline is under test here: 500 creates at a time may take a busy machine longer than the
    // default second, and the deadline changes no command counted.
    store = new RedisStore({ client, keyPrefix: 'keygate-cost:', timeoutMs: 60_000 });
    for (let start = 0; start < REVOKED_KEYS; start += BATCH) {
      const batch: KeyRecord[] = Array.from({ length: BATCH }, (_, i) =>
        makeRecord({ owner: crowded, createdAt: at(start + i), revokedAt: at(start + i + 1) }),
      );
      await Promise.all(batch.map((record) => store.create(record)));
    }
    await createActiveKeys(crowded);
    await createActiveKeys(small);
    // Loads every script on the server, so no measured call pays a NOSCRIPT round trip.
    await store.listByOwner(small, { limit: 1, activeAt: T0 });
  }, 120_000);

  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('lists a page of active keys with the same commands for an owner with 20,000 revoked keys as for one with 3 keys', async () => {
    const activeAt = at(200_000).getTime();
    let crowdedPage: KeyRecord[] = [];
    const crowdedCalls = await measure(async () => {
      crowdedPage = (await store.listByOwner(crowded, { limit: 10, activeAt })).records;
    });
    const smallCalls = await measure(() => store.listByOwner(small, { limit: 10, activeAt }));
    expect(crowdedPage).toHaveLength(3);
    expect(crowdedCalls).toStrictEqual(smallCalls);
    expect(total(crowdedCalls)).toBe(total(smallCalls));
  });

  it('creates a key under maxActivePerOwner with the same commands for an owner with 20,000 revoked keys as for one with 3 keys', async () => {
    const options = { maxActivePerOwner: 5 };
    const crowdedCalls = await measure(() =>
      store.create(makeRecord({ owner: crowded, createdAt: at(300_000) }), options),
    );
    const smallCalls = await measure(() => store.create(makeRecord({ owner: small, createdAt: at(300_000) }), options));
    expect(crowdedCalls).toStrictEqual(smallCalls);
    expect(total(crowdedCalls)).toBe(total(smallCalls));
  });
});
