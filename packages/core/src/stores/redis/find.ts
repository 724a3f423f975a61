// RedisStore.findExpiring and findUnused: searches across owners. Every record lives in its
// owner's hash slot (keys.ts), so the searches use two indexes of their own, in one slot of their
// own, `{prefix}{all}:…`:
//   {prefix}{all}:expiring   sorted set: not revoked keys with an expiry, scored by expiresAt
//   {prefix}{all}:idle       sorted set: not revoked keys, scored by lastUsedAt, else createdAt
// Their members are `<id> <owner tag>`, which names the record (a space sorts before every id
// character, so equal scores sort by id). A script cannot write them with the record (on Redis
// Cluster one script reaches one slot only), so each write of a record is followed by one of its
// entries (syncFoundIndexes), and a search checks every entry against its record: a stale one
// (left by a process that stopped between the two writes, or by two writes of one key racing) is
// skipped and brought in line with the record, never returned.
import type { Cluster, Redis } from 'ioredis';
import type { KeyRecord } from '../../key/record.js';
import { isActive } from '../../key/state.js';
import type { FindRecordsOptions, FoundPage, FoundPosition } from '../store.js';
import { decodeRecord } from './codec.js';
import { ownerTag } from './keys.js';

/** A page examines at most its limit plus this many index entries (stale ones included). */
export const FIND_SCAN_SLACK = 100;

/** The two search indexes of a key prefix. */
export function foundIndexes(prefix: string): { expiring: string; idle: string } {
  return { expiring: `${prefix}{all}:expiring`, idle: `${prefix}{all}:idle` };
}

/** The member of a key in the search indexes. */
export function foundMember(owner: string, id: string): string {
  return `${id} ${ownerTag(owner)}`;
}

/** Brings a record's entries in the search indexes in line with the record as written (one round trip). */
export async function syncFoundIndexes(client: Redis | Cluster, prefix: string, record: KeyRecord): Promise<void> {
  const { expiring, idle } = foundIndexes(prefix);
  const member = foundMember(record.owner, record.id);
  const pipeline = client.multi();
  if (record.revokedAt !== null) pipeline.zrem(expiring, member).zrem(idle, member);
  else {
    if (record.expiresAt === null) pipeline.zrem(expiring, member);
    else pipeline.zadd(expiring, record.expiresAt.getTime(), member);
    pipeline.zadd(idle, idleScore(record), member);
  }
  await pipeline.exec();
}

/** Moves keys' idle entries to their new last-used times (never back, and never re-adding a revoked key). */
export async function touchFoundIndex(
  client: Redis | Cluster,
  prefix: string,
  updates: readonly { id: string; owner: string; lastUsedAt: Date }[],
): Promise<void> {
  if (updates.length === 0) return;
  const { idle } = foundIndexes(prefix);
  const pipeline = client.multi();
  for (const { id, owner, lastUsedAt } of updates) {
    pipeline.zadd(idle, 'XX', 'GT', lastUsedAt.getTime(), foundMember(owner, id));
  }
  await pipeline.exec();
}

/** What a search looks for: its index, its score bounds and the instant a record is found by. */
interface Search {
  readonly index: string;
  /** Lowest score (inclusive) when no cursor is given. */
  readonly min: number;
  /** Highest score: inclusive, or exclusive with `maxExclusive`. */
  readonly max: number;
  readonly maxExclusive: boolean;
  /** The record's score in the index, or null when it must not be in it. */
  readonly scoreOf: (record: KeyRecord) => number | null;
}

/** The search of findExpiring. */
export function expiringSearch(prefix: string, until: number, activeAt: number): Search {
  return {
    index: foundIndexes(prefix).expiring,
    min: activeAt + 1,
    max: until,
    maxExclusive: false,
    scoreOf: (r) => (r.revokedAt !== null || r.expiresAt === null ? null : r.expiresAt.getTime()),
  };
}

/** The search of findUnused. */
export function unusedSearch(prefix: string, before: number): Search {
  return {
    index: foundIndexes(prefix).idle,
    min: Number.NEGATIVE_INFINITY,
    max: before,
    maxExclusive: true,
    scoreOf: (r) => (r.revokedAt !== null ? null : idleScore(r)),
  };
}

/**
 * One page of a search: reads index entries in order from the cursor, at most limit plus
 * FIND_SCAN_SLACK of them, and their records; returns the records whose entry is right and that
 * are active at `activeAt`. A wrong entry is corrected (an inactive key's idle entry is dropped:
 * it can only come back through a write, which writes it again).
 */
export async function findPage(
  client: Redis | Cluster,
  prefix: string,
  search: Search,
  { limit, after, activeAt }: FindRecordsOptions,
): Promise<FoundPage> {
  const budget = limit + FIND_SCAN_SLACK;
  const min = after === undefined ? String(search.min).replace('Infinity', 'inf') : String(after.at.getTime());
  const max = `${search.maxExclusive ? '(' : ''}${search.max}`;
  const records: KeyRecord[] = [];
  // Corrections wait until the page is read: they would move the entries still to be read.
  const repairs: (() => Promise<unknown>)[] = [];
  const dropExpired = search.index.endsWith(':idle');
  let examined = 0;
  let offset = 0;
  let last: FoundPosition | null = null;
  let more = true;
  while (records.length < limit && examined < budget && more) {
    const want = Math.min(limit - records.length, budget - examined) + 1;
    const reply = (await client.zrangebyscore(search.index, min, max, 'WITHSCORES', 'LIMIT', offset, want)) as string[];
    offset += reply.length / 2;
    more = reply.length / 2 === want;
    const entries: { member: string; score: number; id: string; tag: string }[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const member = reply[i] as string;
      const score = Number(reply[i + 1]);
      const space = member.indexOf(' ');
      const id = member.slice(0, space);
      // Entries of the cursor's score up to its id were on earlier pages.
      if (after !== undefined && score === after.at.getTime() && id <= after.id) continue;
      entries.push({ member, score, id, tag: member.slice(space + 1) });
    }
    const hashes = await Promise.all(entries.map((e) => client.hgetall(`${prefix}{${e.tag}}:key:${e.id}`)));
    for (const [i, entry] of entries.entries()) {
      if (records.length >= limit || examined >= budget) {
        more = true;
        break;
      }
      examined++;
      last = { at: new Date(entry.score), id: entry.id };
      const record = decodeRecord(hashes[i] as Record<string, string>);
      const score = record === null ? null : search.scoreOf(record);
      if (record === null || score === null) repairs.push(() => client.zrem(search.index, entry.member));
      else if (score !== entry.score) repairs.push(() => client.zadd(search.index, score, entry.member));
      else if (isActive(record, activeAt)) records.push(record);
      else if (dropExpired && !isActive(record, Math.min(activeAt, Date.now()))) {
        repairs.push(() => client.zrem(search.index, entry.member));
      }
    }
  }
  for (const repair of repairs) await repair();
  return { records, next: more ? (last ?? after ?? null) : null };
}

function idleScore(record: KeyRecord): number {
  return (record.lastUsedAt ?? record.createdAt).getTime();
}
