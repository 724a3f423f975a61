// KeyStore conformance, part two: conditional updates, atomic rotation and paged listing.
// Registered by describeKeyStore (store-conformance.ts) inside each store's suite.
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../src/key/record.js';
import type { KeyStore, RecordRotation } from '../../src/stores/store.js';
import { expectKeygateError } from '../support/helpers.js';
import { at, makeRecord, randomOwner, T0 } from '../support/records.js';
import { listAll } from './conformance.js';

/** A rotation of `old` (as stored) into a new record of the same owner, with a grace period until `until`. */
function rotation(old: KeyRecord, overrides: Partial<RecordRotation> = {}, createdAt = at(10)): RecordRotation {
  const replacement = makeRecord({ owner: old.owner, lineage: old.lineage, createdAt });
  return {
    id: old.id,
    ifVersion: old.version,
    patch: { replacedBy: replacement.id, expiresAt: at(3600), version: old.version + 1 },
    replacement,
    ...overrides,
  };
}

export function describeLifecycleConformance(storeOf: () => KeyStore): void {
  describe('conditional update', () => {
    it('applies a patch when the stored version is the expected one', async () => {
      const store = storeOf();
      const record = makeRecord({ version: 3 });
      await store.create(record);
      const updated = await store.update(record.id, { name: 'renamed', version: 4 }, { ifVersion: 3 });
      expect(updated).toStrictEqual({ ...record, name: 'renamed', version: 4 });
    });

    it('throws conflict and writes nothing when the version differs', async () => {
      const store = storeOf();
      const record = makeRecord({ version: 3 });
      await store.create(record);
      await expectKeygateError(store.update(record.id, { name: 'renamed', version: 3 }, { ifVersion: 2 }), 'conflict');
      expect(await store.findById(record.id)).toStrictEqual(record);
    });

    it('returns null for an unknown id', async () => {
      const store = storeOf();
      expect(await store.update(makeRecord().id, { name: 'x' }, { ifVersion: 1 })).toBeNull();
    });

    it('lets exactly one of concurrent changes from one version succeed', async () => {
      const store = storeOf();
      const record = makeRecord();
      await store.create(record);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.update(record.id, { name: `n${i}`, version: 2 }, { ifVersion: 1 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'conflict' });
      expect((await store.findById(record.id))?.name).toBe((won[0] as PromiseFulfilledResult<KeyRecord>).value.name);
    });

    it('disables and enables a key only from the expected version', async () => {
      const store = storeOf();
      const record = makeRecord({ version: 2 });
      await store.create(record);
      const disabled = await store.update(record.id, { disabledAt: at(5), version: 3 }, { ifVersion: 2 });
      expect(disabled).toStrictEqual({ ...record, disabledAt: at(5), version: 3 });
      await expectKeygateError(store.update(record.id, { disabledAt: null, version: 3 }, { ifVersion: 2 }), 'conflict');
      expect(await store.findById(record.id)).toStrictEqual(disabled);
      const enabled = await store.update(record.id, { disabledAt: null, version: 4 }, { ifVersion: 3 });
      expect(enabled).toStrictEqual({ ...record, disabledAt: null, version: 4 });
    });

    it('leaves the version alone on an unconditional patch without one', async () => {
      const store = storeOf();
      const record = makeRecord({ version: 5 });
      await store.create(record);
      const updated = await store.update(record.id, { lastUsedAt: at(1) });
      expect(updated?.version).toBe(5);
    });
  });

  describe('rotate', () => {
    it('stores the replacement and patches the replaced key in one step', async () => {
      const store = storeOf();
      const old = makeRecord();
      await store.create(old);
      const change = rotation(old);
      const previous = await store.rotate(change);
      const expected = { ...old, replacedBy: change.replacement.id, expiresAt: at(3600), version: 2 };
      expect(previous).toStrictEqual(expected);
      expect(await store.findById(old.id)).toStrictEqual(expected);
      expect(await store.findById(change.replacement.id)).toStrictEqual(change.replacement);
    });

    it('returns null and stores nothing for an unknown key', async () => {
      const store = storeOf();
      const change = rotation(makeRecord());
      expect(await store.rotate(change)).toBeNull();
      expect(await store.findById(change.replacement.id)).toBeNull();
    });

    it('throws conflict and stores nothing when the replaced key changed', async () => {
      const store = storeOf();
      const old = makeRecord({ version: 2 });
      await store.create(old);
      const change = rotation(old, { ifVersion: 1 });
      await expectKeygateError(store.rotate(change), 'conflict');
      expect(await store.findById(change.replacement.id)).toBeNull();
      expect(await store.findById(old.id)).toStrictEqual(old);
    });

    it('throws conflict when the replacement id exists, and changes nothing', async () => {
      const store = storeOf();
      const old = makeRecord();
      const taken = makeRecord({ owner: old.owner });
      await store.create(old);
      await store.create(taken);
      const change = rotation(old);
      await expectKeygateError(
        store.rotate({ ...change, replacement: { ...change.replacement, id: taken.id } }),
        'conflict',
      );
      expect(await store.findById(old.id)).toStrictEqual(old);
      expect(await store.findById(taken.id)).toStrictEqual(taken);
    });

    it('does not count the replaced key against maxActivePerOwner', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const old = makeRecord({ owner, createdAt: at(0) });
      await store.create(old);
      await store.create(makeRecord({ owner, createdAt: at(1) }));
      const previous = await store.rotate({ ...rotation(old), maxActivePerOwner: 2 });
      expect(previous?.replacedBy).not.toBeNull();
    });

    it('refuses with limit_exceeded when the other active keys fill the cap, and stores nothing', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const old = makeRecord({ owner, createdAt: at(0) });
      await store.create(old);
      await store.create(makeRecord({ owner, createdAt: at(1) }));
      await store.create(makeRecord({ owner, createdAt: at(2), revokedAt: at(3) }));
      await store.create(makeRecord({ owner, createdAt: at(2), expiresAt: at(5) }));
      const change = rotation(old);
      await expectKeygateError(store.rotate({ ...change, maxActivePerOwner: 1 }), 'limit_exceeded');
      expect(await store.findById(change.replacement.id)).toBeNull();
      expect(await store.findById(old.id)).toStrictEqual(old);
    });

    it('counts a key in its grace period against the cap of a later rotation', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const first = makeRecord({ owner, createdAt: at(0) });
      await store.create(first);
      const one = rotation(first, { maxActivePerOwner: 1 });
      await store.rotate(one);
      const second = (await store.findById(one.replacement.id)) as KeyRecord;
      const two = rotation(second, { maxActivePerOwner: 1 }, at(20));
      await expectKeygateError(store.rotate(two), 'limit_exceeded');
      expect(await store.findById(two.replacement.id)).toBeNull();
    });

    it('lets exactly one of concurrent rotations of one version succeed', async () => {
      const store = storeOf();
      const old = makeRecord();
      await store.create(old);
      const changes = Array.from({ length: 8 }, () => rotation(old));
      const results = await Promise.allSettled(changes.map((change) => store.rotate(change)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const stored = await Promise.all(changes.map((change) => store.findById(change.replacement.id)));
      expect(stored.filter((r) => r !== null)).toHaveLength(1);
      expect((await store.findById(old.id))?.replacedBy).toBe(stored.find((r) => r !== null)?.id);
    });

    it('lets only one of a revocation and a rotation racing from one version succeed', async () => {
      const store = storeOf();
      const old = makeRecord();
      await store.create(old);
      const change = rotation(old);
      const [revoked, rotated] = await Promise.allSettled([
        store.update(old.id, { revokedAt: at(5), version: 2 }, { ifVersion: 1 }),
        store.rotate(change),
      ]);
      expect([revoked?.status, rotated?.status].sort()).toEqual(['fulfilled', 'rejected']);
      const replacement = await store.findById(change.replacement.id);
      if (revoked?.status === 'fulfilled') expect(replacement).toBeNull();
      else expect((await store.findById(old.id))?.revokedAt).toBeNull();
    });
  });

  describe('listByOwner pages', () => {
    it('walks every record once, oldest first, in pages of the limit', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const records = [4, 1, 3, 0, 2].map((s) => makeRecord({ owner, createdAt: at(s) }));
      for (const r of records) await store.create(r);
      const first = await store.listByOwner(owner, { limit: 2 });
      expect(first.records).toHaveLength(2);
      expect(first.next).not.toBeNull();
      const sorted = [...records].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      expect(await listAll(store, owner, { limit: 2 })).toStrictEqual(sorted);
    });

    it('lists keys created in the same millisecond once each across pages', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const records = Array.from({ length: 7 }, (_, i) => makeRecord({ owner, createdAt: at(i < 5 ? 1 : 2) }));
      for (const r of records) await store.create(r);
      const listed = await listAll(store, owner, { limit: 2 });
      expect(listed.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
      expect(listed.map((r) => r.createdAt.getTime())).toEqual([...listed.map((r) => r.createdAt.getTime())].sort());
    });

    it('returns an empty last page for an unknown owner', async () => {
      const store = storeOf();
      expect(await store.listByOwner(randomOwner(), { limit: 10 })).toStrictEqual({ records: [], next: null });
    });

    it('lists only keys active at `activeAt`', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const live = makeRecord({ owner, createdAt: at(0) });
      const expiring = makeRecord({ owner, createdAt: at(1), expiresAt: at(100) });
      await store.create(live);
      await store.create(expiring);
      await store.create(makeRecord({ owner, createdAt: at(2), expiresAt: at(5) }));
      await store.create(makeRecord({ owner, createdAt: at(3), revokedAt: at(4) }));
      const revokedLater = makeRecord({ owner, createdAt: at(4) });
      await store.create(revokedLater);
      await store.update(revokedLater.id, { revokedAt: at(6) });
      expect(await listAll(store, owner, { activeAt: T0 + 10_000 })).toStrictEqual([live, expiring]);
      expect(await listAll(store, owner)).toHaveLength(5);
    });

    it('follows changes of revocation and expiry in the active listing and the cap', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const record = makeRecord({ owner, createdAt: at(0), expiresAt: at(5), revokedAt: at(1) });
      await store.create(record);
      await store.update(record.id, { revokedAt: null });
      await store.update(record.id, { expiresAt: at(50) });
      expect((await listAll(store, owner, { activeAt: T0 + 10_000 })).map((r) => r.id)).toEqual([record.id]);
      await expectKeygateError(
        store.create(makeRecord({ owner, createdAt: at(10) }), { maxActivePerOwner: 1 }),
        'limit_exceeded',
      );
      await store.update(record.id, { expiresAt: null });
      expect(await listAll(store, owner, { activeAt: T0 + 10_000_000 })).toHaveLength(1);
      await store.update(record.id, { revokedAt: at(20) });
      expect(await listAll(store, owner, { activeAt: T0 + 30_000 })).toEqual([]);
      await store.create(makeRecord({ owner, createdAt: at(30) }), { maxActivePerOwner: 1 });
    });

    it('counts disabled keys as active in the listing and against the cap', async () => {
      const store = storeOf();
      const owner = randomOwner();
      const record = makeRecord({ owner, createdAt: at(0), disabledAt: at(1) });
      await store.create(record);
      expect(await listAll(store, owner, { activeAt: T0 + 10_000 })).toStrictEqual([record]);
      await expectKeygateError(
        store.create(makeRecord({ owner, createdAt: at(10) }), { maxActivePerOwner: 1 }),
        'limit_exceeded',
      );
    });

    it('returns records that can be mutated without changing the store', async () => {
      const store = storeOf();
      const record = makeRecord();
      await store.create(record);
      const [listed] = (await store.listByOwner(record.owner, { limit: 1 })).records;
      (listed as KeyRecord).scopes.push('mutated:scope');
      expect(await store.findById(record.id)).toStrictEqual(record);
    });
  });

  describe('touchMany', () => {
    it('writes the last-used times of keys of several owners in one call, their versions untouched', async () => {
      const store = storeOf();
      if (store.touchMany === undefined) return;
      const records = [makeRecord(), makeRecord(), makeRecord({ version: 4 })];
      for (const r of records) await store.create(r);
      await store.touchMany(records.map((r, i) => ({ id: r.id, owner: r.owner, lastUsedAt: at(i + 1) })));
      for (const [i, r] of records.entries()) {
        expect(await store.findById(r.id)).toStrictEqual({ ...r, lastUsedAt: at(i + 1) });
      }
    });

    it('keeps a later last-used time already stored, and skips unknown keys', async () => {
      const store = storeOf();
      if (store.touchMany === undefined) return;
      const record = makeRecord({ lastUsedAt: at(50) });
      await store.create(record);
      const unknown = makeRecord();
      await store.touchMany([
        { id: record.id, owner: record.owner, lastUsedAt: at(10) },
        { id: unknown.id, owner: unknown.owner, lastUsedAt: at(10) },
      ]);
      expect(await store.findById(record.id)).toStrictEqual(record);
      expect(await store.findById(unknown.id)).toBeNull();
    });
  });
}
