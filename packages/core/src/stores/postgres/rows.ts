// PostgresStore rows ↔ KeyRecords. Dates travel as ISO strings cast to timestamptz, JSON as
// text cast to jsonb (pg would otherwise send JS arrays as PostgreSQL arrays), scopes as text[].
import type { JsonValue, KeyRecord, KeyRecordPatch, RateLimitPolicy } from '../../key/record.js';

/** The columns, in the order of {@link recordValues}. */
export const COLUMNS =
  'id, owner, prefix, hash, name, scopes, metadata, created_at, expires_at, revoked_at, last_used_at, rate_limits, allowed_ips, replaced_by, lineage, version, disabled_at';

/** Placeholders matching {@link COLUMNS}, with the casts each column needs. */
export const PLACEHOLDERS =
  '$1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11::timestamptz, $12::jsonb, $13::jsonb, $14, $15, $16::integer, $17::timestamptz';

/** A row as pg returns it. */
export interface KeyRow {
  id: string;
  owner: string;
  prefix: string;
  hash: string;
  name: string;
  scopes: string[];
  metadata: unknown;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
  rate_limits: unknown;
  allowed_ips: unknown;
  replaced_by: string | null;
  /** Null in rows written before the column existed: such a key started its own lineage. */
  lineage: string | null;
  version: number;
  /** Null for an enabled key (and in rows written before the column existed). */
  disabled_at: Date | string | null;
}

/** The query parameters of a new record, in {@link COLUMNS} order. */
export function recordValues(record: KeyRecord): unknown[] {
  return [
    record.id,
    record.owner,
    record.prefix,
    record.hash,
    record.name,
    [...record.scopes],
    JSON.stringify(record.metadata),
    record.createdAt.toISOString(),
    isoOrNull(record.expiresAt),
    isoOrNull(record.revokedAt),
    isoOrNull(record.lastUsedAt),
    jsonOrNull(record.rateLimits),
    jsonOrNull(record.allowedIps),
    record.replacedBy,
    record.lineage,
    record.version,
    isoOrNull(record.disabledAt),
  ];
}

/** SET clauses (`column = $n`) and their values for a patch; unknown and undefined fields are ignored. */
export function patchAssignments(patch: KeyRecordPatch, firstParam: number): { sets: string[]; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [];
  const add = (column: string, cast: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${firstParam + values.length - 1}${cast}`);
  };
  if (patch.hash !== undefined) add('hash', '', patch.hash);
  if (patch.name !== undefined) add('name', '', patch.name);
  if (patch.scopes !== undefined) add('scopes', '::text[]', [...patch.scopes]);
  if (patch.metadata !== undefined) add('metadata', '::jsonb', JSON.stringify(patch.metadata));
  if (patch.expiresAt !== undefined) add('expires_at', '::timestamptz', isoOrNull(patch.expiresAt));
  if (patch.revokedAt !== undefined) add('revoked_at', '::timestamptz', isoOrNull(patch.revokedAt));
  if (patch.disabledAt !== undefined) add('disabled_at', '::timestamptz', isoOrNull(patch.disabledAt));
  if (patch.lastUsedAt !== undefined) add('last_used_at', '::timestamptz', isoOrNull(patch.lastUsedAt));
  if (patch.rateLimits !== undefined) add('rate_limits', '::jsonb', jsonOrNull(patch.rateLimits));
  if (patch.allowedIps !== undefined) add('allowed_ips', '::jsonb', jsonOrNull(patch.allowedIps));
  if (patch.replacedBy !== undefined) add('replaced_by', '', patch.replacedBy);
  if (patch.version !== undefined) add('version', '::integer', patch.version);
  return { sets, values };
}

/**
 * A fresh record from a row (tolerates type parsers that return strings). Nothing is made up: an
 * infinite or unparseable timestamp (pg gives `±Infinity` for `'±infinity'`) becomes an invalid
 * Date, unreadable JSON is left undefined and scopes that are not an array stay as they are, for
 * the record check (record-check.ts) to refuse or read on the safe side.
 */
export function rowToRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    hash: row.hash,
    name: row.name,
    owner: row.owner,
    scopes: Array.isArray(row.scopes) ? [...row.scopes] : row.scopes,
    metadata: json(row.metadata) as { [key: string]: JsonValue },
    createdAt: toDate(row.created_at),
    expiresAt: row.expires_at === null ? null : toDate(row.expires_at),
    revokedAt: row.revoked_at === null ? null : toDate(row.revoked_at),
    disabledAt: row.disabled_at === null ? null : toDate(row.disabled_at),
    lastUsedAt: row.last_used_at === null ? null : toDate(row.last_used_at),
    rateLimits: row.rate_limits === null ? null : (json(row.rate_limits) as RateLimitPolicy[]),
    allowedIps: row.allowed_ips === null ? null : (json(row.allowed_ips) as string[]),
    replacedBy: row.replaced_by,
    lineage: row.lineage ?? row.id,
    version: row.version,
  };
}

function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

// pg gives ±Infinity (a number) for an infinite timestamp: `new Date(±Infinity)` is an invalid Date.
function toDate(value: Date | string): Date {
  return new Date(value instanceof Date ? value.getTime() : value);
}

function json(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
