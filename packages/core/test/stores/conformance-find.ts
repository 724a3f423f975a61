// KeyStore conformance, part three: the optional searches across owners, findExpiring and
// findUnused (what `keys.findExpiring`, `keys.findUnused` and `keygate sweep` use). Registered by
// describeKeyStore (conformance.ts) for stores that have them. A store may hold other tests' keys:
// each test works in a time span of its own and looks only at the ids it made.
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../src/key/record.js';
import type { FoundPosition, KeyStore } from '../../src/stores/store.js';
import { makeRecord, randomOwner } from '../support/records.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A start of a time span unique to one test: far from every other record's dates (around 2025),
// in the future for expiries, in the past for use.
const futureBase = () => Date.UTC(2090, 0, 1) + Math.floor(Math.random() * 10_000) * 30 * DAY;
const pastBase = () => Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 1_000) * 30 * DAY;

type Search = 'findExpiring' | 'findUnused';

/** The ids, in order, of every record a search finds among `ids`, page by page (pages of `limit`). */
async function findAll(
  store: KeyStore,
  search: Search,
  bound: number,
  activeAt: number,
  ids: readonly string[],
  limit = 100,
): Promise<string[]> {
  const method = store[search];
  if (method === undefined) throw new Error(`the store has no ${search}`);
  const found: string[] = [];
  let after: FoundPosition | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await method.call(store, bound, { limit, after, activeAt });
    expect(result.records.length).toBeLessThanOrEqual(limit);
    found.push(...result.records.map((r) => r.id).filter((id) => ids.includes(id)));
    if (result.next === null) return found;
    after = result.next;
  }
  throw new Error(`${search} never returned a last page`);
}

async function createAll(store: KeyStore, records: KeyRecord[]): Promise<string[]> {
  for (const record of records) await store.create(record);
  return records.map((r) => r.id);
}

/** Registers the conformance tests of findExpiring and findUnused. */
export function describeFindConformance(storeOf: () => KeyStore): void {
  describe('findExpiring', () => {
    it('finds the active keys expiring by the bound, soonest first, and none later or never expiring', async () => {
      const store = storeOf();
      const base = futureBase();
      const owner = randomOwner();
      const [late, never, second, first, atBound] = [
        makeRecord({ owner, expiresAt: new Date(base + 10 * DAY) }),
        makeRecord({ owner }),
        makeRecord({ owner, expiresAt: new Date(base + 2 * HOUR) }),
        makeRecord({ owner, expiresAt: new Date(base + HOUR) }),
        makeRecord({ owner, expiresAt: new Date(base + DAY) }),
      ] as [KeyRecord, KeyRecord, KeyRecord, KeyRecord, KeyRecord];
      const ids = await createAll(store, [late, never, second, first, atBound]);
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids)).toEqual([first.id, second.id, atBound.id]);
    });

    it('leaves out revoked keys and keys expired at activeAt', async () => {
      const store = storeOf();
      const base = futureBase();
      const kept = makeRecord({ expiresAt: new Date(base + HOUR) });
      const revoked = makeRecord({ expiresAt: new Date(base + HOUR), revokedAt: new Date(base - DAY) });
      const expired = makeRecord({ expiresAt: new Date(base - HOUR) });
      const ids = await createAll(store, [kept, revoked, expired]);
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids)).toEqual([kept.id]);
    });

    it('finds the keys of every owner, ordered by expiry then id', async () => {
      const store = storeOf();
      const base = futureBase();
      const same = new Date(base + HOUR);
      const records = [
        makeRecord({ expiresAt: same }),
        makeRecord({ expiresAt: same }),
        makeRecord({ expiresAt: same }),
      ];
      const ids = await createAll(store, records);
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids)).toEqual([...ids].sort());
    });

    it('walks every match once in pages of the limit', async () => {
      const store = storeOf();
      const base = futureBase();
      const records = Array.from({ length: 7 }, (_, i) => makeRecord({ expiresAt: new Date(base + (i + 1) * HOUR) }));
      const ids = await createAll(store, records);
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids, 3)).toEqual(ids);
    });

    it('follows updates of the expiry and revocations', async () => {
      const store = storeOf();
      const base = futureBase();
      const movedIn = makeRecord({ expiresAt: new Date(base + 30 * DAY) });
      const movedOut = makeRecord({ expiresAt: new Date(base + HOUR) });
      const cleared = makeRecord({ expiresAt: new Date(base + HOUR) });
      const revoked = makeRecord({ expiresAt: new Date(base + HOUR) });
      const ids = await createAll(store, [movedIn, movedOut, cleared, revoked]);
      await store.update(movedIn.id, { expiresAt: new Date(base + 2 * HOUR) });
      await store.update(movedOut.id, { expiresAt: new Date(base + 30 * DAY) });
      await store.update(cleared.id, { expiresAt: null });
      await store.update(revoked.id, { revokedAt: new Date(base - DAY) });
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids)).toEqual([movedIn.id]);
    });

    it('finds the replacement of a rotation and the replaced key in its grace period', async () => {
      const store = storeOf();
      const base = futureBase();
      const old = makeRecord({ expiresAt: new Date(base + 30 * DAY) });
      await store.create(old);
      const replacement = makeRecord({ owner: old.owner, lineage: old.lineage, expiresAt: new Date(base + 2 * HOUR) });
      await store.rotate({
        id: old.id,
        ifVersion: old.version,
        patch: { replacedBy: replacement.id, expiresAt: new Date(base + HOUR), version: old.version + 1 },
        replacement,
      });
      const ids = [old.id, replacement.id];
      expect(await findAll(store, 'findExpiring', base + DAY, base, ids)).toEqual([old.id, replacement.id]);
    });
  });

  describe('findUnused', () => {
    it('finds the active keys last used, or never used and created, before the bound, least recent first', async () => {
      const store = storeOf();
      const base = pastBase();
      const owner = randomOwner();
      const [usedLongAgo, neverUsed, usedSince, createdSince] = [
        makeRecord({ owner, createdAt: new Date(base - 30 * DAY), lastUsedAt: new Date(base - 20 * DAY) }),
        makeRecord({ owner, createdAt: new Date(base - 25 * DAY) }),
        makeRecord({ owner, createdAt: new Date(base - 40 * DAY), lastUsedAt: new Date(base - HOUR) }),
        makeRecord({ owner, createdAt: new Date(base - HOUR) }),
      ] as [KeyRecord, KeyRecord, KeyRecord, KeyRecord];
      const ids = await createAll(store, [usedLongAgo, neverUsed, usedSince, createdSince]);
      expect(await findAll(store, 'findUnused', base - DAY, base, ids)).toEqual([neverUsed.id, usedLongAgo.id]);
    });

    it('leaves out revoked keys and keys expired at activeAt', async () => {
      const store = storeOf();
      const base = pastBase();
      const old = new Date(base - 30 * DAY);
      const kept = makeRecord({ createdAt: old });
      const revoked = makeRecord({ createdAt: old, revokedAt: new Date(base - DAY) });
      const expired = makeRecord({ createdAt: old, expiresAt: new Date(base - HOUR) });
      const ids = await createAll(store, [kept, revoked, expired]);
      expect(await findAll(store, 'findUnused', base - DAY, base, ids)).toEqual([kept.id]);
    });

    it('follows last-used times written by touchMany and update', async () => {
      const store = storeOf();
      const base = pastBase();
      const old = new Date(base - 30 * DAY);
      const touched = makeRecord({ createdAt: old });
      const updated = makeRecord({ createdAt: old });
      const idle = makeRecord({ createdAt: old });
      const ids = await createAll(store, [touched, updated, idle]);
      const recent = new Date(base - HOUR);
      if (store.touchMany) await store.touchMany([{ id: touched.id, owner: touched.owner, lastUsedAt: recent }]);
      else await store.update(touched.id, { lastUsedAt: recent });
      await store.update(updated.id, { lastUsedAt: recent });
      expect(await findAll(store, 'findUnused', base - DAY, base, ids)).toEqual([idle.id]);
    });

    it('walks every match once in pages of the limit', async () => {
      const store = storeOf();
      const base = pastBase();
      const records = Array.from({ length: 7 }, (_, i) => makeRecord({ createdAt: new Date(base - (20 - i) * DAY) }));
      const ids = await createAll(store, records);
      expect(await findAll(store, 'findUnused', base - DAY, base, ids, 3)).toEqual(ids);
    });
  });
}
