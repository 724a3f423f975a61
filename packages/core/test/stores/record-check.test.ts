// Odd data fails closed: every record a store returns is checked once, at the store boundary
// (checkRecord, applied by the CheckedStore that createKeygate puts around any store).
import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import type { KeyRecord } from '../../src/key/record.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { CheckedStore } from '../../src/stores/checked.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { type KeyRow, rowToRecord } from '../../src/stores/postgres/rows.js';
import { checkPosition, checkRecord } from '../../src/stores/record-check.js';
import { decodeRecord, encodeRecord } from '../../src/stores/redis/codec.js';
import type { KeyStore } from '../../src/stores/store.js';
import { countingStore, setup } from '../support/helpers.js';
import { makeFullRecord, makeRecord, T0 } from '../support/records.js';

const INVALID_DATE = new Date(Number.NaN);

/** What `action` throws (or undefined). */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** True when `action` throws KeygateError `store_unavailable`: the store's output was refused. */
function refused(action: () => unknown): boolean {
  return isKeygateError(thrownBy(action), 'store_unavailable');
}

/** A store over a MemoryStore whose reads pass every record through `tamper` (as a broken store would). */
function tamperingStore(tamper: (record: KeyRecord) => unknown) {
  const inner = new MemoryStore();
  const odd = (record: KeyRecord | null) => (record === null ? null : (tamper(record) as KeyRecord));
  const store: KeyStore = {
    findById: async (id) => odd(await inner.findById(id)),
    create: (record, options) => inner.create(record, options),
    update: async (id, patch, options) => odd(await inner.update(id, patch, options)),
    rotate: async (rotation) => odd(await inner.rotate(rotation)),
    listByOwner: async (owner, options) => {
      const page = await inner.listByOwner(owner, options);
      return { ...page, records: page.records.map((r) => odd(r) as KeyRecord) };
    },
  };
  return store;
}

describe('checkRecord', () => {
  it('returns a well-formed record as it is, with exactly the fields of a record', () => {
    const record = makeFullRecord();
    expect(checkRecord({ ...record, _rev: 'extra' })).toStrictEqual(record);
  });

  it.each<[string, Record<string, unknown>]>([
    ['id not a string', { id: 42 }],
    ['prefix missing', { prefix: undefined }],
    ['hash not a string', { hash: null }],
    ['name not a string', { name: ['a'] }],
    ['owner not a string', { owner: {} }],
    ['scopes a string', { scopes: '*' }],
    ['scopes holding a non-string', { scopes: ['users:read', 7] }],
    ['metadata null', { metadata: null }],
    ['metadata an array', { metadata: [] }],
    ['metadata a class instance', { metadata: new Map() }],
    ['createdAt a string', { createdAt: '2025-01-01T00:00:00Z' }],
    ['createdAt not a valid date', { createdAt: INVALID_DATE }],
    ['expiresAt a number', { expiresAt: 1_700_000_000_000 }],
    ['revokedAt a string', { revokedAt: 'yes' }],
    ['lastUsedAt missing', { lastUsedAt: undefined }],
    ['rateLimits an object', { rateLimits: { name: 'a', limit: 1, windowSeconds: 1 } }],
    [
      'rateLimits with a non-integer limit',
      { rateLimits: [{ name: 'a', limit: Number.POSITIVE_INFINITY, windowSeconds: 1 }] },
    ],
    ['rateLimits with a zero window', { rateLimits: [{ name: 'a', limit: 1, windowSeconds: 0 }] }],
    ['rateLimits with a nameless policy', { rateLimits: [{ limit: 1, windowSeconds: 1 }] }],
    [
      'rateLimits with a name the policy rule refuses',
      { rateLimits: [{ name: 'bad name', limit: 1, windowSeconds: 1 }] },
    ],
    [
      'rateLimits repeating a policy name',
      {
        rateLimits: [
          { name: 'a', limit: 1, windowSeconds: 1 },
          { name: 'a', limit: 2, windowSeconds: 1 },
        ],
      },
    ],
    ['allowedIps a string', { allowedIps: '10.0.0.0/8' }],
    ['allowedIps holding a number', { allowedIps: [10] }],
    ['replacedBy a number', { replacedBy: 1 }],
    ['lineage null', { lineage: null }],
    ['version negative', { version: -1 }],
    ['version fractional', { version: 1.5 }],
    ['version a string', { version: '3' }],
    ['disabledAt missing', { disabledAt: undefined }],
    ['disabledAt a string', { disabledAt: '2025-01-15T09:30:12.345Z' }],
  ])('refuses a record with %s as store_unavailable, naming the field', (_, change) => {
    const field = Object.keys(change)[0] as string;
    const error = thrownBy(() => checkRecord({ ...makeRecord(), ...change }));
    expect(isKeygateError(error, 'store_unavailable')).toBe(true);
    expect((error as Error).message).toContain(field);
  });

  it.each([null, undefined, 'record', 42, []])('refuses %s in place of a record', (value) => {
    expect(refused(() => checkRecord(value))).toBe(true);
  });

  it('counts an expiry that is not a valid date as expired, at a finite instant', () => {
    const checked = checkRecord(makeRecord({ expiresAt: INVALID_DATE }));
    expect(checked.expiresAt?.getTime()).toBe(0);
  });

  it('counts a revocation time that is not a valid date as revoked', () => {
    const checked = checkRecord(makeRecord({ revokedAt: INVALID_DATE }));
    expect(checked.revokedAt?.getTime()).toBe(0);
  });

  it('counts a disabling time that is not a valid date as disabled', () => {
    const checked = checkRecord(makeRecord({ disabledAt: INVALID_DATE }));
    expect(checked.disabledAt?.getTime()).toBe(0);
  });

  it('forgets a last-used time that is not a valid date', () => {
    expect(checkRecord(makeRecord({ lastUsedAt: INVALID_DATE })).lastUsedAt).toBeNull();
  });

  it('names the key id in the error only when it has the shape of one', () => {
    const record = makeRecord({ scopes: '*' as never });
    expect((thrownBy(() => checkRecord(record)) as Error).message).toContain(record.id);
    const odd = { ...record, id: 'kg_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ' };
    expect((thrownBy(() => checkRecord(odd)) as Error).message).not.toContain(odd.id);
  });

  it('refuses a record of another id or owner than the one asked for', () => {
    const record = makeRecord();
    expect(refused(() => checkRecord(record, { id: 'AAAAAAAAAAAA' }))).toBe(true);
    expect(refused(() => checkRecord(record, { owner: 'someone' }))).toBe(true);
    expect(checkRecord(record, { id: record.id, owner: record.owner })).toStrictEqual(record);
  });
});

describe('checkPosition', () => {
  it('accepts null and a position with a valid date and a string id', () => {
    expect(checkPosition(null)).toBeNull();
    const position = { createdAt: new Date(5), id: 'AAAAAAAAAAAA' };
    expect(checkPosition(position)).toStrictEqual(position);
  });

  it.each([undefined, {}, { createdAt: INVALID_DATE, id: 'x' }, { createdAt: 5, id: 'x' }, { createdAt: new Date(5) }])(
    'refuses %o as store_unavailable',
    (value) => {
      expect(refused(() => checkPosition(value))).toBe(true);
    },
  );
});

describe('CheckedStore', () => {
  it('checks the records of findById, update, rotate and listByOwner', async () => {
    const store = new CheckedStore(tamperingStore((r) => ({ ...r, scopes: 'users:read' })));
    const record = makeRecord();
    await store.create(record);
    const replacement = makeRecord({ owner: record.owner });
    for (const call of [
      () => store.findById(record.id),
      () => store.update(record.id, { name: 'x' }),
      () => store.rotate({ id: record.id, ifVersion: 1, patch: { replacedBy: replacement.id }, replacement }),
      () => store.listByOwner(record.owner, { limit: 10 }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'store_unavailable' });
    }
  });

  it('passes an unknown id through as null', async () => {
    const store = new CheckedStore(new MemoryStore());
    expect(await store.findById('AAAAAAAAAAAA')).toBeNull();
    expect(await store.update('AAAAAAAAAAAA', { name: 'x' })).toBeNull();
  });

  it('refuses a record found under another id', async () => {
    const record = makeRecord();
    const store = new CheckedStore(tamperingStore((r) => ({ ...r, id: 'BBBBBBBBBBBB' })));
    await store.create(record);
    await expect(store.findById(record.id)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('refuses a listing holding a record of another owner', async () => {
    const record = makeRecord();
    const store = new CheckedStore(tamperingStore((r) => ({ ...r, owner: 'someone-else' })));
    await store.create(record);
    await expect(store.listByOwner(record.owner, { limit: 10 })).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('leaves out of an active listing the keys the check finds expired or revoked', async () => {
    const store = new CheckedStore(
      tamperingStore((r) => (r.name === 'odd' ? { ...r, expiresAt: INVALID_DATE, revokedAt: null } : r)),
    );
    const owner = 'owner-1';
    const good = makeRecord({ owner, name: 'good' });
    await store.create(good);
    await store.create(makeRecord({ owner, name: 'odd', createdAt: new Date(good.createdAt.getTime() + 1) }));
    const page = await store.listByOwner(owner, { limit: 10, activeAt: T0 + 1000 });
    expect(page.records.map((r) => r.name)).toEqual(['good']);
    expect((await store.listByOwner(owner, { limit: 10 })).records.map((r) => r.name)).toEqual(['good', 'odd']);
  });

  it('refuses a page that is not one', async () => {
    const odd = { ...tamperingStore((r) => r), listByOwner: async () => ({ records: 'none' }) as never };
    const store = new CheckedStore(odd);
    await expect(store.listByOwner('o', { limit: 1 })).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

describe('odd data through createKeygate', () => {
  it('refuses a key whose store returns its scopes as a string: no grant from its characters', async () => {
    const store = tamperingStore((r) => ({ ...r, scopes: '*' }));
    const { keygate, createKey } = setup({ store });
    const { key } = await createKey({ scopes: ['users:read'] });
    await expect(keygate.verify(key)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('answers expired for an expiry that is not a valid date, and caches nothing', async () => {
    const counting = countingStore(tamperingStore((r) => ({ ...r, expiresAt: INVALID_DATE })));
    const { keygate, createKey } = setup({ store: counting.store });
    const { key, apiKey } = await createKey();
    counting.reset();
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'expired', keyId: apiKey.id });
    expect(await keygate.verify(key)).toEqual({ ok: false, reason: 'expired', keyId: apiKey.id });
    expect(runtimeOf(keygate).peek(key)).toBeUndefined();
    expect(counting.calls.findById).toBe(2);
  });

  it('never lets an invalid expiry make a cache entry outlive a later revocation', async () => {
    let odd = true;
    const store = tamperingStore((r) => (odd ? { ...r, expiresAt: INVALID_DATE } : r));
    const { keygate, createKey, clock } = setup({ store, cache: { ttlMs: 1000 } });
    const { key, apiKey } = await createKey();
    await keygate.verify(key);
    odd = false;
    await store.update(apiKey.id, { revokedAt: new Date(clock.now()) });
    clock.advance(2000);
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('answers revoked for a revocation time that is not a valid date', async () => {
    const store = tamperingStore((r) => ({ ...r, revokedAt: INVALID_DATE }));
    const { keygate, createKey } = setup({ store });
    const { key } = await createKey();
    expect(await keygate.verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('still verifies a key whose last-used time is not a valid date, reading it as never used', async () => {
    const store = tamperingStore((r) => ({ ...r, lastUsedAt: INVALID_DATE }));
    const { keygate, createKey } = setup({ store, lastUsed: false });
    const { key } = await createKey();
    const result = await keygate.verify(key);
    expect(result.ok && result.key.lastUsedAt).toBeNull();
  });

  it('fails management reads of a malformed record with store_unavailable, never a TypeError', async () => {
    const store = tamperingStore((r) => ({ ...r, createdAt: 'yesterday', metadata: null }));
    const { keygate, createKey } = setup({ store });
    const { apiKey } = await createKey();
    for (const call of [
      () => keygate.keys.get(apiKey.id),
      () => keygate.keys.list(apiKey.owner, { state: 'all' }),
      () => keygate.keys.update(apiKey.id, { name: 'renamed' }),
      () => keygate.keys.revoke(apiKey.id),
      () => keygate.keys.rotate(apiKey.id),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'KeygateError', code: 'store_unavailable' });
    }
  });
});

describe('store decoders', () => {
  const hash = (record: KeyRecord, change: Record<string, string | undefined>) => {
    const flat = encodeRecord(record);
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) delete fields[field];
      else fields[field] = value;
    }
    return fields;
  };

  it('Redis: reads a date that is not an integer of milliseconds as an invalid Date, never as some number', () => {
    for (const odd of ['soon', '', ' 12 ', '0x10', '1e3', '12.5', 'Infinity']) {
      const decoded = decodeRecord(hash(makeRecord(), { expiresAt: odd }));
      expect(Number.isNaN(decoded?.expiresAt?.getTime()), odd).toBe(true);
      expect(checkRecord(decoded).expiresAt?.getTime(), odd).toBe(0);
    }
  });

  it('Redis: leaves a record without createdAt or with unreadable JSON to be refused, never a SyntaxError', () => {
    for (const change of [
      { createdAt: undefined },
      { scopes: '["users:read"' },
      { metadata: 'nope' },
      { version: 'x' },
    ]) {
      const error = thrownBy(() => checkRecord(decodeRecord(hash(makeRecord(), change))));
      expect(isKeygateError(error, 'store_unavailable'), JSON.stringify(change)).toBe(true);
    }
  });

  const row = (change: Partial<Record<keyof KeyRow, unknown>>): KeyRow => ({
    id: 'AAAAAAAAAAAA',
    owner: 'o',
    prefix: 'kg',
    hash: 'h',
    name: 'n',
    scopes: ['users:read'],
    metadata: {},
    created_at: new Date(0),
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    rate_limits: null,
    allowed_ips: null,
    replaced_by: null,
    lineage: null,
    version: 0,
    disabled_at: null,
    ...(change as Partial<KeyRow>),
  });

  it('PostgreSQL: reads -infinity and infinity (as pg parses them) as invalid Dates, so they count as expired', () => {
    for (const infinite of [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]) {
      const record = rowToRecord(row({ expires_at: infinite }));
      expect(Number.isNaN(record.expiresAt?.getTime())).toBe(true);
      expect(checkRecord(record).expiresAt?.getTime()).toBe(0);
    }
  });

  it('PostgreSQL: never spreads scopes given as a string into characters', () => {
    const record = rowToRecord(row({ scopes: '*' }));
    expect(record.scopes).not.toEqual(['*']);
    expect(refused(() => checkRecord(record))).toBe(true);
  });

  it('PostgreSQL: leaves unreadable JSON to be refused, never a SyntaxError', () => {
    const record = rowToRecord(row({ metadata: '{oops' }));
    expect(refused(() => checkRecord(record))).toBe(true);
  });
});
