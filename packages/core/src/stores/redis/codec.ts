// RedisStore records as Redis hashes: one field per record field, Dates as epoch ms, arrays and
// objects as JSON, and a null field simply absent. Records written before `version` and `lineage`
// existed read as version 0 and as the first key of their own lineage; before `disabledAt`, as
// enabled (the field absent, as for any null).
import { KeygateError } from '../../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../../key/record.js';

const INTEGER_RE = /^-?\d{1,16}$/;

/** The hash fields (field, value, field, value…) of a new record; null fields are left out. */
export function encodeRecord(record: KeyRecord): string[] {
  const fields = [
    'id',
    record.id,
    'prefix',
    record.prefix,
    'hash',
    record.hash,
    'name',
    record.name,
    'owner',
    record.owner,
    'scopes',
    JSON.stringify(record.scopes),
    'metadata',
    JSON.stringify(record.metadata),
    'createdAt',
    encodeDate(record.createdAt),
    'lineage',
    record.lineage,
    'version',
    encodeVersion(record.version),
  ];
  for (const field of ['expiresAt', 'revokedAt', 'disabledAt', 'lastUsedAt'] as const) {
    const date = record[field];
    if (date !== null) fields.push(field, encodeDate(date));
  }
  if (record.rateLimits !== null) fields.push('rateLimits', JSON.stringify(record.rateLimits));
  if (record.allowedIps !== null) fields.push('allowedIps', JSON.stringify(record.allowedIps));
  if (record.replacedBy !== null) fields.push('replacedBy', record.replacedBy);
  return fields;
}

/** A patch as hash fields to set (field, value…) and fields to delete (set to null). Unknown and undefined fields are ignored. */
export function encodePatch(patch: KeyRecordPatch): { set: string[]; clear: string[] } {
  const set: string[] = [];
  const clear: string[] = [];
  if (patch.hash !== undefined) set.push('hash', patch.hash);
  if (patch.name !== undefined) set.push('name', patch.name);
  if (patch.scopes !== undefined) set.push('scopes', JSON.stringify(patch.scopes));
  if (patch.metadata !== undefined) set.push('metadata', JSON.stringify(patch.metadata));
  for (const field of ['expiresAt', 'revokedAt', 'disabledAt', 'lastUsedAt'] as const) {
    const date = patch[field];
    if (date === null) clear.push(field);
    else if (date !== undefined) set.push(field, encodeDate(date));
  }
  for (const field of ['rateLimits', 'allowedIps'] as const) {
    const value = patch[field];
    if (value === null) clear.push(field);
    else if (value !== undefined) set.push(field, JSON.stringify(value));
  }
  if (patch.replacedBy === null) clear.push('replacedBy');
  else if (patch.replacedBy !== undefined) set.push('replacedBy', patch.replacedBy);
  if (patch.version !== undefined) set.push('version', encodeVersion(patch.version));
  return { set, clear };
}

/**
 * A version as scripts compare it (Lua numbers are doubles, so only safe integers compare
 * exactly); throws `invalid_input` for anything else.
 */
export function encodeVersion(version: number): string {
  if (!Number.isSafeInteger(version)) throw new KeygateError('invalid_input', 'A key version must be an integer.');
  return String(version);
}

/** A Date as epoch ms, as scripts use it for index scores; throws `invalid_input` for an invalid Date. */
export function encodeDate(date: Date): string {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new KeygateError('invalid_input', 'A key date must be a valid Date.');
  return String(ms);
}

/** True when a script reply has the shape of HGETALL's: a flat array of strings. */
export function isHashReply(reply: unknown): reply is string[] {
  return Array.isArray(reply) && reply.every((item) => typeof item === 'string');
}

/**
 * A record from its hash (as an object, or HGETALL's flat field/value array); null when the hash is
 * empty. Nothing is made up: a missing or unreadable field (JSON that does not parse, a date or
 * version that is not an integer) is left undefined, or an invalid Date for dates, for the record
 * check (record-check.ts) to refuse or read on the safe side.
 */
export function decodeRecord(hash: Record<string, string> | readonly string[]): KeyRecord | null {
  const h = Array.isArray(hash) ? pairs(hash) : (hash as Record<string, string>);
  if (h.id === undefined) return null;
  const record = {
    id: h.id,
    prefix: h.prefix,
    hash: h.hash,
    name: h.name,
    owner: h.owner,
    scopes: json(h.scopes ?? '[]'),
    metadata: json(h.metadata ?? '{}'),
    createdAt: date(h.createdAt ?? ''),
    expiresAt: h.expiresAt === undefined ? null : date(h.expiresAt),
    revokedAt: h.revokedAt === undefined ? null : date(h.revokedAt),
    disabledAt: h.disabledAt === undefined ? null : date(h.disabledAt),
    lastUsedAt: h.lastUsedAt === undefined ? null : date(h.lastUsedAt),
    rateLimits: h.rateLimits === undefined ? null : json(h.rateLimits),
    allowedIps: h.allowedIps === undefined ? null : json(h.allowedIps),
    replacedBy: h.replacedBy ?? null,
    lineage: h.lineage ?? h.id,
    version: h.version === undefined ? 0 : integer(h.version),
  };
  return record as KeyRecord;
}

// Epoch ms as written by encodeDate; anything else is an invalid Date (not `Number('')`, 0).
function date(value: string): Date {
  return new Date(integer(value));
}

function integer(value: string): number {
  return INTEGER_RE.test(value) ? Number(value) : Number.NaN;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}
