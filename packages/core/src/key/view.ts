// The public view of a key (its record without the hash, frozen), with the values many cached keys
// hold alike kept once: a verified-key cache of 100,000 keys then pays for each distinct scope set,
// prefix and empty metadata object once, not per key.
import type { ApiKey, JsonValue, KeyRecord } from './record.js';

// Bounded: past it, values are simply not shared (still correct, only larger).
const MAX_SHARED = 1024;
const scopeSets = new Map<string, readonly string[]>();
const texts = new Map<string, string>();
const EMPTY_METADATA: { readonly [key: string]: JsonValue } = Object.freeze({});

/** A frozen copy of `scopes`, the same array for every equal list (while fewer than 1,024 lists are known). */
export function sharedScopes(scopes: readonly string[]): readonly string[] {
  const signature = scopes.join(' ');
  const known = scopeSets.get(signature);
  if (known !== undefined) return known;
  const copy = Object.freeze([...scopes]);
  if (scopeSets.size < MAX_SHARED) scopeSets.set(signature, copy);
  return copy;
}

/** `text` as one shared string instance (for short, oft-repeated values such as key prefixes). */
export function sharedText(text: string): string {
  const known = texts.get(text);
  if (known !== undefined) return known;
  if (texts.size < MAX_SHARED) texts.set(text, text);
  return text;
}

/**
 * Metadata as every request of a cached key sees it: deeply frozen, so one request cannot change
 * what another reads, and the one shared empty object when there is none.
 */
export function frozenMetadata(metadata: { [key: string]: JsonValue }): { readonly [key: string]: JsonValue } {
  for (const _ in metadata) return deepFreeze(metadata);
  return EMPTY_METADATA;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Key prefixes mapped to environment names (the `environments` option), resolved once. */
export type EnvironmentMap = ReadonlyMap<string, string>;

/**
 * Strips the hash and freezes the result, so it can be shared across requests safely. Built as one
 * literal (not a spread): V8 then keeps every field inside the object, and freezing it costs
 * nothing, where a frozen spread copy took about 450 bytes more per cached key.
 */
export function toApiKey(record: KeyRecord, environments?: EnvironmentMap): ApiKey {
  return Object.freeze({
    id: record.id,
    prefix: sharedText(record.prefix),
    name: record.name,
    owner: record.owner,
    scopes: sharedScopes(record.scopes),
    metadata: frozenMetadata(record.metadata),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    disabledAt: record.disabledAt,
    lastUsedAt: record.lastUsedAt,
    rateLimits: record.rateLimits,
    allowedIps: record.allowedIps,
    replacedBy: record.replacedBy,
    // Most keys were never rotated: their lineage is their id, and one string serves both.
    lineage: record.lineage === record.id ? record.id : record.lineage,
    version: record.version,
    environment: environments?.get(record.prefix) ?? null,
  });
}
