// What a store returns is checked once, here, before anything uses it: odd data fails closed.
// A record of the wrong shape is refused (KeygateError `store_unavailable`: adapters answer 503 and
// tell `onError`). Dates that are Dates but not valid ones (NaN: unparseable, or infinite in the
// store) are read on the safe side:
//   expiresAt  → expired (the epoch), so verification refuses it and never caches it;
//   revokedAt  → revoked (at the epoch);
//   disabledAt → disabled (at the epoch);
//   lastUsedAt → null (unknown): it only informs;
//   createdAt  → refused: it orders pages and has no safe stand-in.
import { KeygateError } from '../errors.js';
import { isKeyId } from '../key/format.js';
import { checkPolicies } from '../key/rate-limit-policy.js';
import type { KeyRecord, RateLimitPolicy } from '../key/record.js';
import type { RecordPosition } from './store.js';

/** What the record is expected to be: the id looked up, the owner listed. */
export interface ExpectedRecord {
  readonly id?: string;
  readonly owner?: string;
}

/**
 * The record a store returned, checked field by field against {@link KeyRecord} and normalised
 * (invalid dates read on the safe side, see above; only the fields of a record kept). Throws
 * KeygateError `store_unavailable` naming the field when it is malformed, or not the `expected`
 * id or owner. The message names fields and expected types, never a value (the id only when
 * shaped like one).
 */
export function checkRecord(value: unknown, expected: ExpectedRecord = {}): KeyRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedStoreData('a record or null was expected');
  }
  const r = value as Record<string, unknown>;
  const fail = (field: string, wanted: string) =>
    malformedStoreData(`its ${field} is not ${wanted}`, isKeyId(r.id) ? r.id : undefined);
  const text = (field: keyof KeyRecord): string => {
    const v = r[field];
    if (typeof v !== 'string') throw fail(field, 'a string');
    return v;
  };
  const texts = (field: keyof KeyRecord): string[] => {
    const v = r[field];
    if (!Array.isArray(v) || !v.every((item) => typeof item === 'string')) throw fail(field, 'an array of strings');
    return v;
  };
  const date = (field: keyof KeyRecord): Date | null => {
    const v = r[field];
    if (v === null && field !== 'createdAt') return null;
    if (!(v instanceof Date)) throw fail(field, field === 'createdAt' ? 'a Date' : 'a Date or null');
    return v;
  };

  const id = text('id');
  const owner = text('owner');
  if (expected.id !== undefined && id !== expected.id) throw fail('id', 'the one looked up');
  if (expected.owner !== undefined && owner !== expected.owner) throw fail('owner', 'the one listed');
  const createdAt = date('createdAt') as Date;
  if (!isValid(createdAt)) throw fail('createdAt', 'a valid Date');
  const expiresAt = date('expiresAt');
  const revokedAt = date('revokedAt');
  const disabledAt = date('disabledAt');
  const lastUsedAt = date('lastUsedAt');
  const { metadata, replacedBy, version } = r;
  if (!isPlainObject(metadata)) throw fail('metadata', 'a plain object');
  if (replacedBy !== null && typeof replacedBy !== 'string') throw fail('replacedBy', 'a string or null');
  if (!Number.isSafeInteger(version) || (version as number) < 0) throw fail('version', 'a non-negative integer');
  return {
    id,
    prefix: text('prefix'),
    hash: text('hash'),
    name: text('name'),
    owner,
    scopes: texts('scopes'),
    metadata: metadata as KeyRecord['metadata'],
    createdAt,
    expiresAt: expiresAt === null || isValid(expiresAt) ? expiresAt : new Date(0),
    revokedAt: revokedAt === null || isValid(revokedAt) ? revokedAt : new Date(0),
    disabledAt: disabledAt === null || isValid(disabledAt) ? disabledAt : new Date(0),
    lastUsedAt: lastUsedAt === null || isValid(lastUsedAt) ? lastUsedAt : null,
    rateLimits:
      r.rateLimits === null
        ? null
        : (checkPolicies(r.rateLimits, 'rateLimits', () => fail('rateLimits', RATE_LIMITS)) as RateLimitPolicy[]),
    allowedIps: r.allowedIps === null ? null : texts('allowedIps'),
    replacedBy: replacedBy as string | null,
    lineage: text('lineage'),
    version: version as number,
  };
}

/** The `next` position of a store's page: null, or a valid Date and a string id; else `store_unavailable`. */
export function checkPosition(value: unknown): RecordPosition | null {
  if (value === null) return null;
  const position = value as Partial<RecordPosition> | undefined;
  if (typeof position !== 'object' || !isValid(position.createdAt) || typeof position.id !== 'string') {
    throw malformedStoreData('a page position is not a valid Date and id');
  }
  return { createdAt: position.createdAt, id: position.id };
}

/** The error for store output keygate cannot use: `store_unavailable`, naming a key id when given one. */
export function malformedStoreData(problem: string, id?: string): KeygateError {
  const which = id === undefined ? 'a malformed record' : `a malformed record for key ${id}`;
  return new KeygateError('store_unavailable', `keygate: the key store returned ${which}: ${problem}.`);
}

const RATE_LIMITS = 'null or an array of { name, limit, windowSeconds } with positive integers';

function isValid(date: unknown): date is Date {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
