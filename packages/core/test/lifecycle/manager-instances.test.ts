// Lifecycle writes across instances: two keygate instances, each with its own client or pool, on
// one Redis and on one PostgreSQL. A meeting in front of each store lets both read the key before
// either writes, so every run is a true race.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meeting, meetingStore } from '../../../../test/support/meeting-store.js';
import { databaseUrl, postgresSchema } from '../../../../test/support/postgres.js';
import type {} from '../../../../test/support/redis-global-setup.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { randomBase62 } from '../../src/key/base62.js';
import { createKeygate } from '../../src/keygate/create.js';
import type { Keygate } from '../../src/keygate/instance.js';
import { PostgresStore } from '../../src/postgres.js';
import { RedisStore } from '../../src/redis.js';
import type { KeyStore } from '../../src/stores/store.js';

const HOUR = 3_600_000;

/** Two instances over stores of one server, their lifecycle writes meeting before they land. */
type Pair = () => Promise<[Keygate, Keygate]>;

function instances(stores: [KeyStore, KeyStore]): [Keygate, Keygate] {
  const meet = meeting(2);
  return stores.map((store) => createKeygate({ store: meetingStore(store, meet), hasher: hmacSha256Hasher() })) as [
    Keygate,
    Keygate,
  ];
}

function describeRaces(name: string, pair: Pair): void {
  describe(`two instances on one ${name}`, () => {
    it('rotating one key at once end with exactly one replacement, the loser told conflict', async () => {
      const [one, two] = await pair();
      const owner = `owner-${randomBase62(8)}`;
      const { apiKey } = await one.keys.create({ name: 'k', owner });
      const results = await Promise.allSettled([
        one.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }),
        two.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: 'conflict' });
      const { keys } = await one.keys.list(owner, { state: 'all' });
      expect(keys).toHaveLength(2);
      expect(keys.find((k) => k.id === apiKey.id)?.replacedBy).toBe(keys.find((k) => k.id !== apiKey.id)?.id);
    });

    it('a revoke racing a rotate leaves no usable replacement of the revoked key', async () => {
      const [one, two] = await pair();
      const owner = `owner-${randomBase62(8)}`;
      const { apiKey } = await one.keys.create({ name: 'k', owner });
      const [revoked, rotated] = await Promise.allSettled([
        one.keys.revoke(apiKey.id),
        two.keys.rotate(apiKey.id, { gracePeriodMs: HOUR }),
      ]);
      expect([revoked.status, rotated.status].sort()).toEqual(['fulfilled', 'rejected']);
      const { keys } = await one.keys.list(owner, { state: 'all' });
      if (revoked.status === 'fulfilled') {
        expect(keys.map((k) => k.id)).toEqual([apiKey.id]);
        expect(keys[0]?.revokedAt).not.toBeNull();
      } else {
        expect(revoked.reason).toMatchObject({ code: 'conflict' });
        expect(keys.find((k) => k.id === apiKey.id)?.revokedAt).toBeNull();
      }
    });

    it('an update racing a revoke does not bring the revoked key back', async () => {
      const [one, two] = await pair();
      const { apiKey } = await one.keys.create({ name: 'k', owner: `owner-${randomBase62(8)}` });
      const results = await Promise.allSettled([
        one.keys.revoke(apiKey.id),
        two.keys.update(apiKey.id, { expiresIn: HOUR }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const stored = await one.keys.get(apiKey.id);
      if (results[0]?.status === 'fulfilled') expect(stored?.expiresAt).toBeNull();
      else expect(stored?.revokedAt).toBeNull();
    });
  });
}

describe('on Redis', () => {
  const clients: Redis[] = [];
  const keyPrefix = `keygate-test:${randomBase62(10)}:`;
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) clients.push(new Redis(inject('redisUrl')));
  });
  afterAll(async () => {
    const [client] = clients;
    const keys = client ? await client.keys(`${keyPrefix}*`) : [];
    if (keys.length > 0) await client?.unlink(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  describeRaces('Redis', async () =>
    instances([
      new RedisStore({ client: clients[0] as Redis, keyPrefix }),
      new RedisStore({ client: clients[1] as Redis, keyPrefix }),
    ]),
  );
});

describe('on PostgreSQL', () => {
  const db = postgresSchema();
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    await new PostgresStore({ pool: db.pool(), schema: db.schema }).migrate();
    // The second instance gets a pool of its own, as another process would.
    pools.push(db.pool(), new pg.Pool({ connectionString: databaseUrl, max: 4 }));
  });
  afterAll(async () => {
    await pools[1]?.end();
  });

  describeRaces('PostgreSQL', async () =>
    instances([
      new PostgresStore({ pool: pools[0] as pg.Pool, schema: db.schema }),
      new PostgresStore({ pool: pools[1] as pg.Pool, schema: db.schema }),
    ]),
  );
});
