// The KeyStore conformance suite: every store (memory, Redis, PostgreSQL, third-party) must pass it.
// Usage: describeKeyStore('MyStore', async () => ({ store, cleanup: async () => {} })).
// `setup` runs before each test and `cleanup` after it; tests use random ids and owners, so a
// store shared between tests works as long as cleanup (or the run's teardown) removes its data.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBase62 } from '../../src/key/base62.js';
import type { KeyRecord } from '../../src/key/record.js';
import type { KeyStore, RecordPosition } from '../../src/stores/store.js';
import { expectKeygateError } from '../support/helpers.js';
import { at, makeFullRecord, makeRecord, randomOwner, SECOND, T0 } from '../support/records.js';
import { describeCreditConformance } from './conformance-credits.js';
import { describeFindConformance } from './conformance-find.js';
import { describeLifecycleConformance } from './conformance-lifecycle.js';

/** What a conformance run needs: a store, and a way to remove what the test wrote. */
export interface KeyStoreFixture {
  store: KeyStore;
  cleanup(): Promise<void>;
}

/** Every record of an owner, page by page (pages of `limit`), oldest first. */
export async function listAll(
  store: KeyStore,
  owner: string,
  options: { limit?: number; activeAt?: number } = {},
): Promise<KeyRecord[]> {
  const records: KeyRecord[] = [];
  let after: RecordPosition | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await store.listByOwner(owner, { limit: options.limit ?? 100, after, activeAt: options.activeAt });
    records.push(...result.records);
    if (result.next === null) return records;
    after = result.next;
  }
  throw new Error('listByOwner never returned a last page');
}

/** Registers the KeyStore conformance tests for one store implementation. */
export function describeKeyStore(name: string, setup: () => Promise<KeyStoreFixture>): void {
  describe(`${name} (KeyStore conformance)`, () => {
    let fixture: KeyStoreFixture | undefined;
    let store: KeyStore;

    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    describe('create and findById', () => {
      it('returns an equal record with every field set', async () => {
        const record = makeFullRecord();
        await store.create(record);
        expect(await store.findById(record.id)).toStrictEqual(record);
      });

      it('returns Dates as Date instances with millisecond precision', async () => {
        const record = makeFullRecord();
        await store.create(record);
        const found = (await store.findById(record.id)) as KeyRecord;
        for (const field of ['createdAt', 'expiresAt', 'revokedAt', 'disabledAt', 'lastUsedAt'] as const) {
          expect(found[field]).toBeInstanceOf(Date);
          expect(found[field]?.getTime()).toBe(record[field]?.getTime());
        }
      });

      it('preserves null fields as null', async () => {
        const record = makeRecord();
        await store.create(record);
        const found = (await store.findById(record.id)) as KeyRecord;
        expect(found).toStrictEqual(record);
        for (const field of [
          'expiresAt',
          'revokedAt',
          'disabledAt',
          'lastUsedAt',
          'rateLimits',
          'allowedIps',
          'replacedBy',
        ] as const) {
          expect(found[field]).toBeNull();
        }
      });

      it('round-trips empty scopes and empty metadata', async () => {
        const record = makeRecord({ scopes: [], metadata: {} });
        await store.create(record);
        expect(await store.findById(record.id)).toStrictEqual(record);
      });

      it('round-trips nested metadata and unicode text', async () => {
        const record = makeFullRecord({ owner: `équipe-${randomBase62(8)}-東京` });
        await store.create(record);
        const found = (await store.findById(record.id)) as KeyRecord;
        expect(found.metadata).toStrictEqual(record.metadata);
        expect(found.name).toBe(record.name);
        expect(found.owner).toBe(record.owner);
      });

      it('returns null for an unknown id', async () => {
        expect(await store.findById(randomBase62(12))).toBeNull();
      });

      it('refuses a duplicate id with conflict and keeps the original record', async () => {
        const original = makeRecord({ name: 'original' });
        await store.create(original);
        const duplicate = makeRecord({ id: original.id, name: 'duplicate' });
        const error = await expectKeygateError(store.create(duplicate), 'conflict');
        expect(error.message).not.toContain(duplicate.hash);
        expect(await store.findById(original.id)).toStrictEqual(original);
        expect(await listAll(store, duplicate.owner)).toEqual([]);
      });

      it('lets exactly one of several concurrent creates of one id succeed', async () => {
        const id = randomBase62(12);
        const attempts = Array.from({ length: 10 }, (_, i) => makeRecord({ id, name: `attempt ${i}` }));
        const results = await Promise.allSettled(attempts.map((r) => store.create(r)));
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [attempts[i] as KeyRecord] : []));
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'conflict' });
        }
        expect(await store.findById(id)).toStrictEqual(won[0]);
      });
    });

    describe('copies', () => {
      it('is not affected by later changes to the record given to create', async () => {
        const record = makeFullRecord();
        const expected = structuredClone(record);
        await store.create(record);
        mutate(record);
        expect(await store.findById(expected.id)).toStrictEqual(expected);
      });

      it('returns records that can be mutated without changing the store', async () => {
        const record = makeFullRecord();
        await store.create(record);
        mutate((await store.findById(record.id)) as KeyRecord);
        mutate((await store.update(record.id, { name: 'renamed' })) as KeyRecord);
        for (const listed of await listAll(store, record.owner)) mutate(listed);
        expect(await store.findById(record.id)).toStrictEqual({ ...record, name: 'renamed' });
      });

      it('is not affected by later changes to a patch', async () => {
        const record = makeRecord();
        await store.create(record);
        const patch = { scopes: ['a:b'], metadata: { nested: { value: 1 } }, lastUsedAt: new Date(T0 + SECOND) };
        await store.update(record.id, patch);
        patch.scopes.push('c:d');
        patch.metadata.nested.value = 2;
        patch.lastUsedAt.setTime(0);
        const found = (await store.findById(record.id)) as KeyRecord;
        expect(found.scopes).toEqual(['a:b']);
        expect(found.metadata).toEqual({ nested: { value: 1 } });
        expect(found.lastUsedAt).toEqual(new Date(T0 + SECOND));
      });
    });

    describe('update', () => {
      it('applies a partial patch and returns the updated record', async () => {
        const record = makeRecord();
        await store.create(record);
        const updated = await store.update(record.id, { name: 'renamed', scopes: ['users:write'] });
        const expected = { ...record, name: 'renamed', scopes: ['users:write'] };
        expect(updated).toStrictEqual(expected);
        expect(await store.findById(record.id)).toStrictEqual(expected);
      });

      it('leaves fields outside the patch unchanged', async () => {
        const record = makeFullRecord();
        await store.create(record);
        await store.update(record.id, { lastUsedAt: new Date(T0 + 5 * SECOND) });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, lastUsedAt: new Date(T0 + 5 * SECOND) });
      });

      it('returns null for an unknown id and creates nothing', async () => {
        const id = randomBase62(12);
        expect(await store.update(id, { name: 'ghost', revokedAt: new Date(T0) })).toBeNull();
        expect(await store.findById(id)).toBeNull();
      });

      it('sets nullable fields', async () => {
        const record = makeRecord();
        await store.create(record);
        const patch = {
          expiresAt: new Date(T0 + 10 * SECOND),
          revokedAt: new Date(T0 + 20 * SECOND),
          lastUsedAt: new Date(T0 + 30 * SECOND),
        };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('clears nullable fields', async () => {
        const record = makeFullRecord();
        await store.create(record);
        const patch = { expiresAt: null, revokedAt: null, lastUsedAt: null };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('sets disabledAt and returns it as a Date with millisecond precision', async () => {
        const record = makeRecord();
        await store.create(record);
        const patch = { disabledAt: new Date(T0 + 40 * SECOND + 7) };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('clears disabledAt, leaving the other dates alone', async () => {
        const record = makeFullRecord();
        await store.create(record);
        const patch = { disabledAt: null };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('sets rate limits, allowed IPs and replacedBy', async () => {
        const record = makeRecord();
        await store.create(record);
        const patch = {
          rateLimits: [{ name: 'hourly', limit: 500, windowSeconds: 3600 }],
          allowedIps: ['198.51.100.0/24', '::1'],
          replacedBy: randomBase62(12),
        };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('clears rate limits, allowed IPs and replacedBy', async () => {
        const record = makeFullRecord();
        await store.create(record);
        const patch = { rateLimits: null, allowedIps: null, replacedBy: null };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
        expect(await store.findById(record.id)).toStrictEqual({ ...record, ...patch });
      });

      it('replaces scopes and metadata as a whole instead of merging them', async () => {
        const record = makeFullRecord();
        await store.create(record);
        const patch = { scopes: [], metadata: { only: ['this'] } };
        expect(await store.update(record.id, patch)).toStrictEqual({ ...record, ...patch });
      });

      it('updates the hash', async () => {
        const record = makeRecord();
        await store.create(record);
        const hash = `scrypt$${randomBase62(40)}`;
        expect((await store.update(record.id, { hash }))?.hash).toBe(hash);
        expect((await store.findById(record.id))?.hash).toBe(hash);
      });

      it('returns the record unchanged for an empty patch', async () => {
        const record = makeFullRecord();
        await store.create(record);
        expect(await store.update(record.id, {})).toStrictEqual(record);
      });

      it('ignores patch fields whose value is undefined', async () => {
        const record = makeFullRecord();
        await store.create(record);
        expect(await store.update(record.id, { name: undefined, expiresAt: undefined })).toStrictEqual(record);
        expect(await store.findById(record.id)).toStrictEqual(record);
      });
    });

    describe('listByOwner', () => {
      it("returns only that owner's keys, oldest first", async () => {
        const owner = randomOwner();
        const offsets = [3, 0, 4, 1, 2];
        const mine = offsets.map((s) => makeRecord({ owner, name: `key ${s}`, createdAt: new Date(T0 + s * SECOND) }));
        const other = makeRecord({ createdAt: new Date(T0 + 2500) });
        for (const r of [mine[0], other, ...mine.slice(1)] as KeyRecord[]) await store.create(r);
        const listed = await listAll(store, owner);
        const expected = [...mine].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
        expect(listed).toStrictEqual(expected);
        expect(await listAll(store, other.owner)).toStrictEqual([other]);
      });

      it('returns an empty array for an unknown owner', async () => {
        expect(await listAll(store, randomOwner())).toEqual([]);
      });

      it('reflects updates', async () => {
        const record = makeRecord();
        await store.create(record);
        await store.update(record.id, { revokedAt: new Date(T0 + SECOND) });
        expect(await listAll(store, record.owner)).toStrictEqual([{ ...record, revokedAt: new Date(T0 + SECOND) }]);
      });

      it('returns keys with every field set intact', async () => {
        const record = makeFullRecord();
        await store.create(record);
        expect(await listAll(store, record.owner)).toStrictEqual([record]);
      });
    });

    describe('maxActivePerOwner', () => {
      it('allows keys up to the cap and refuses the next one with limit_exceeded', async () => {
        const owner = randomOwner();
        for (let i = 0; i < 3; i++)
          await store.create(makeRecord({ owner, createdAt: at(i) }), { maxActivePerOwner: 3 });
        const refused = makeRecord({ owner, createdAt: at(3) });
        const error = await expectKeygateError(store.create(refused, { maxActivePerOwner: 3 }), 'limit_exceeded');
        expect(error.message).not.toContain(refused.hash);
        expect(await store.findById(refused.id)).toBeNull();
        expect(await listAll(store, owner)).toHaveLength(3);
      });

      it('refuses every key when the cap is 0', async () => {
        const record = makeRecord();
        await expectKeygateError(store.create(record, { maxActivePerOwner: 0 }), 'limit_exceeded');
        expect(await store.findById(record.id)).toBeNull();
      });

      it('does not limit creates without the option', async () => {
        const owner = randomOwner();
        for (let i = 0; i < 3; i++)
          await store.create(makeRecord({ owner, createdAt: at(i) }), { maxActivePerOwner: 3 });
        await store.create(makeRecord({ owner, createdAt: at(3) }));
        await store.create(makeRecord({ owner, createdAt: at(4) }), {});
        expect(await listAll(store, owner)).toHaveLength(5);
      });

      it('ignores revoked keys when counting', async () => {
        const owner = randomOwner();
        await store.create(makeRecord({ owner, createdAt: at(0), revokedAt: at(1) }));
        const revokedLater = makeRecord({ owner, createdAt: at(2) });
        await store.create(revokedLater);
        await store.update(revokedLater.id, { revokedAt: at(3) });
        await store.create(makeRecord({ owner, createdAt: at(4) }), { maxActivePerOwner: 1 });
        await expectKeygateError(
          store.create(makeRecord({ owner, createdAt: at(5) }), { maxActivePerOwner: 1 }),
          'limit_exceeded',
        );
      });

      it("ignores keys expired at the new key's createdAt", async () => {
        const owner = randomOwner();
        await store.create(makeRecord({ owner, createdAt: at(0), expiresAt: at(5) }));
        await store.create(makeRecord({ owner, createdAt: at(1), expiresAt: at(10) }));
        await store.create(makeRecord({ owner, createdAt: at(10) }), { maxActivePerOwner: 1 });
        await expectKeygateError(
          store.create(makeRecord({ owner, createdAt: at(11) }), { maxActivePerOwner: 1 }),
          'limit_exceeded',
        );
      });

      it('counts keys that expire later as active', async () => {
        const owner = randomOwner();
        await store.create(makeRecord({ owner, createdAt: at(0), expiresAt: at(100) }));
        await expectKeygateError(
          store.create(makeRecord({ owner, createdAt: at(1) }), { maxActivePerOwner: 1 }),
          'limit_exceeded',
        );
      });

      it("counts only the same owner's keys", async () => {
        const owner = randomOwner();
        await store.create(makeRecord({ createdAt: at(0) }));
        await store.create(makeRecord({ createdAt: at(1) }));
        await store.create(makeRecord({ owner, createdAt: at(2) }), { maxActivePerOwner: 1 });
        expect(await listAll(store, owner)).toHaveLength(1);
      });

      it('reports a duplicate id as conflict even when the owner is at the cap', async () => {
        const existing = makeRecord();
        await store.create(existing);
        await expectKeygateError(store.create({ ...existing }, { maxActivePerOwner: 1 }), 'conflict');
      });

      it('leaves no trace of a refused key, so its id can be created later', async () => {
        const owner = randomOwner();
        const first = makeRecord({ owner, createdAt: at(0) });
        await store.create(first, { maxActivePerOwner: 1 });
        const refused = makeRecord({ owner, createdAt: at(1) });
        await expectKeygateError(store.create(refused, { maxActivePerOwner: 1 }), 'limit_exceeded');
        await store.update(first.id, { revokedAt: at(1) });
        await store.create(refused, { maxActivePerOwner: 1 });
        expect(await store.findById(refused.id)).toStrictEqual(refused);
      });

      it('is atomic under concurrency: exactly cap keys of 20 concurrent creates succeed', async () => {
        const owner = randomOwner();
        const records = Array.from({ length: 20 }, (_, i) => makeRecord({ owner, createdAt: at(i) }));
        const results = await Promise.allSettled(records.map((r) => store.create(r, { maxActivePerOwner: 5 })));
        const created = records.filter((_, i) => results[i]?.status === 'fulfilled');
        expect(created).toHaveLength(5);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'limit_exceeded' });
        }
        const listed = await listAll(store, owner);
        expect(listed.map((r) => r.id).sort()).toEqual(created.map((r) => r.id).sort());
      });

      it('stays atomic when concurrent creates race from the cap minus one', async () => {
        const owner = randomOwner();
        for (let i = 0; i < 4; i++) await store.create(makeRecord({ owner, createdAt: at(i) }));
        const racers = Array.from({ length: 12 }, (_, i) => makeRecord({ owner, createdAt: at(10 + i) }));
        const results = await Promise.allSettled(racers.map((r) => store.create(r, { maxActivePerOwner: 5 })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await listAll(store, owner)).toHaveLength(5);
      });
    });

    describeLifecycleConformance(() => store);
    describeFindConformance(() => store);
    describeCreditConformance(() => store);
  });
}

// Changes every mutable part of a record in place.
function mutate(record: KeyRecord): void {
  record.name = 'mutated';
  record.scopes.push('mutated:scope');
  record.metadata.added = true;
  const plan = record.metadata.plan;
  if (plan && typeof plan === 'object' && !Array.isArray(plan)) plan.tier = 'mutated';
  record.createdAt.setTime(0);
  record.expiresAt?.setTime(0);
  record.revokedAt?.setTime(0);
  record.lastUsedAt?.setTime(0);
  record.rateLimits?.push({ name: 'mutated', limit: 1, windowSeconds: 1 });
  record.allowedIps?.push('192.0.2.1');
}
