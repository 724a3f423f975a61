// The one record fixture: valid KeyRecords built with overrides, for store tests and anything else
// that needs a record as a store holds it. Times are fixed (T0 is deliberately not a round second,
// so a store that drops milliseconds shows); ids and owners are random unless given.
import { randomBase62 } from '../../src/key/base62.js';
import type { KeyRecord } from '../../src/key/record.js';

/** The creation time of every record unless given: 2025-01-15T09:30:12.345Z. */
export const T0 = Date.UTC(2025, 0, 15, 9, 30, 12, 345);
export const SECOND = 1000;

/** The date `seconds` after {@link T0}. */
export const at = (seconds: number): Date => new Date(T0 + seconds * SECOND);

/** A fresh owner name, unique to one test. */
export function randomOwner(): string {
  return `owner-${randomBase62(10)}`;
}

/** A valid record with every nullable field null; ids and owners are random unless given. */
export function makeRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  const id = overrides.id ?? randomBase62(12);
  return {
    id,
    prefix: 'kg_test',
    hash: `hmac-sha256$${randomBase62(43)}`,
    name: 'a key',
    owner: randomOwner(),
    scopes: ['users:read'],
    metadata: {},
    createdAt: new Date(T0),
    expiresAt: null,
    revokedAt: null,
    disabledAt: null,
    lastUsedAt: null,
    rateLimits: null,
    allowedIps: null,
    replacedBy: null,
    lineage: id,
    version: 1,
    ...overrides,
  };
}

/** A record with every optional field set, nested metadata and unicode text. */
export function makeFullRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return makeRecord({
    name: 'Clé de production 🔑 日本語 — «test»',
    scopes: ['users:read', 'billing:*', 'admin:audit:read'],
    metadata: {
      team: 'платёжи',
      plan: { tier: 'enterprise', seats: 250, ratio: 0.125, trial: false, tags: ['a', 'b', { deep: [1, null, true] }] },
      empty: {},
      list: [],
      nothing: null,
      negative: -42,
      emoji: '🚀',
    },
    createdAt: new Date(T0),
    expiresAt: new Date(T0 + 90 * 24 * 3600 * SECOND + 7),
    revokedAt: new Date(T0 + 3600 * SECOND + 1),
    disabledAt: new Date(T0 + 1800 * SECOND + 3),
    lastUsedAt: new Date(T0 + 60 * SECOND + 999),
    rateLimits: [
      { name: 'burst', limit: 10, windowSeconds: 1 },
      { name: 'daily', limit: 10_000, windowSeconds: 86_400 },
    ],
    allowedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
    replacedBy: randomBase62(12),
    lineage: randomBase62(12),
    version: 7,
    ...overrides,
  });
}
