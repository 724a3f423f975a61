// The limiter on a 3-master Redis Cluster started for this file: every call's keys share one hash
// slot, so the script runs on whichever master owns the subject (a linked call's: its first
// subject's), and admission stays exact.
import type { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { createRateLimitRedisCluster } from '../../src/rate-limit/redis/client.js';
import { keySlot } from '../../src/rate-limit/redis/key-slot.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';

const hourly: RateLimitPolicy = { name: 'hourly', limit: 5, windowSeconds: 3600 };
const daily: RateLimitPolicy = { name: 'daily', limit: 7, windowSeconds: 86_400 };
const SUBJECTS = Array.from({ length: 60 }, (_, i) => `key_${i}`);

let cluster: RedisCluster;
let client: Cluster;

function limiter(): { rl: RedisRateLimiter; keyPrefix: string } {
  const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;
  return { rl: new RedisRateLimiter({ client, keyPrefix, timeoutMs: 10_000 }), keyPrefix };
}

// Every key under `prefix` on each master, by master port.
async function keysByMaster(prefix: string): Promise<Map<number, string[]>> {
  const byMaster = new Map<number, string[]>();
  for (const node of client.nodes('master')) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    byMaster.set(node.options.port as number, keys);
  }
  return byMaster;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = createRateLimitRedisCluster([...cluster.nodes]);
  await new Promise((resolve) => client.once('ready', resolve));
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
});

describe('RedisRateLimiter on Redis Cluster', () => {
  it('admits exactly `limit` of sequential requests for each of many subjects', async () => {
    const { rl } = limiter();
    for (const subject of SUBJECTS.slice(0, 20)) {
      let admitted = 0;
      for (let i = 0; i < 8; i++) if ((await rl.consume(subject, [hourly, daily])).allowed) admitted++;
      expect(admitted).toBe(hourly.limit);
    }
  });

  it("spreads subjects over every master and keeps each subject's keys on one", async () => {
    const { rl, keyPrefix } = limiter();
    for (const subject of SUBJECTS) await rl.consume(subject, [hourly, daily]);
    const byMaster = await keysByMaster(keyPrefix);
    expect(byMaster.size).toBe(3);
    for (const keys of byMaster.values()) expect(keys.length).toBeGreaterThan(0);
    for (const subject of SUBJECTS) {
      const holders = [...byMaster.values()].filter((keys) => keys.some((k) => k.includes(`{${subject}}`)));
      expect(holders).toHaveLength(1);
      expect(holders[0]?.filter((k) => k.includes(`{${subject}}`))).toHaveLength(2);
    }
  });

  it('sends the calls of one turn as one script run per hash slot, and decides each subject exactly', async () => {
    const { rl } = limiter();
    const subjects = SUBJECTS.slice(0, 12);
    const runs: string[][] = [];
    const send = client.sendCommand.bind(client);
    vi.spyOn(client, 'sendCommand').mockImplementation((command, ...rest) => {
      if (command.name === 'evalsha' || command.name === 'eval') runs.push(command.args.map(String));
      return send(command, ...rest);
    });
    const calls = subjects.flatMap((subject) => Array.from({ length: 8 }, () => subject));
    const decisions = await Promise.all(calls.map((subject) => rl.consume(subject, [hourly, daily])));
    for (const subject of subjects) {
      expect(decisions.filter((d, i) => d.allowed && calls[i] === subject)).toHaveLength(hourly.limit);
    }
    const slots = new Set(subjects.map((subject) => keySlot(rl.keyOf(subject, hourly.name))));
    expect(runs).toHaveLength(slots.size);
    for (const args of runs) {
      const keys = args.slice(2, 2 + Number(args[1]));
      expect(new Set(keys.map(keySlot)).size).toBe(1);
    }
  });

  it("decides an owner's limit shared by keys of other hash slots exactly, each linked call in the owner's slot", async () => {
    const { rl, keyPrefix } = limiter();
    const owner = { name: 'owner-hourly', limit: 7, windowSeconds: 3600 };
    const lineages = SUBJECTS.slice(0, 12);
    const calls = lineages.flatMap((lineage) => [lineage, lineage]);
    const decisions = await Promise.all(
      calls.map((lineage) =>
        rl.consumeAll([
          { subject: 'owner:acme', policies: [owner] },
          { subject: lineage, policies: [hourly] },
        ]),
      ),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(owner.limit);
    const holders = [...(await keysByMaster(keyPrefix)).values()].filter((keys) => keys.length > 0);
    expect(holders).toHaveLength(1);
    expect(new Set(holders[0]?.map(keySlot))).toEqual(new Set([keySlot(rl.keyOf('owner:acme', owner.name))]));
  });

  it('computes the hash slot Redis Cluster computes', async () => {
    const keys = ['key_1', 'a{b}c', 'a{}b', 'a{{b}}c', '{}x', 'clé{sujet}', '\u{1f511}'];
    for (const key of keys) expect(keySlot(key)).toBe(await client.cluster('KEYSLOT', key));
  });
});
