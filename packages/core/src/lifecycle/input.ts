import { KeygateError } from '../errors.js';
import type { JsonValue, RateLimitPolicy } from '../key/record.js';
import { assertGrantableScope } from '../key/scopes.js';

/** What the caller chooses about a new key. */
export interface CreateKeyInput {
  /** Human-readable name, 1-128 characters. */
  name: string;
  /** Who the key belongs to, 1-256 characters. */
  owner: string;
  /** Granted scopes (validated; duplicates dropped). Default: none. */
  scopes?: readonly string[];
  /** Application data (a JSON object of at most 8 KiB). Default: `{}`. */
  metadata?: { [key: string]: JsonValue };
  /** When the key stops working. Give this or `expiresIn`, not both. Default: never. */
  expiresAt?: Date;
  /** Lifetime in ms from now. Default: never. */
  expiresIn?: number;
  /** Rate limits replacing the configured defaults for this key (`[]` exempts it); at most 8. Default: the defaults. */
  rateLimits?: readonly RateLimitPolicy[];
  /** IPv4/IPv6 addresses and CIDR ranges the key may be used from (normalised); at most 64. Default: anywhere. */
  allowedIps?: readonly string[];
  /** The environment of the key (the instance's `environments` option), which picks its prefix. Default: that of the instance's `prefix`. */
  environment?: string;
}

/** What `keys.update` may change; absent fields stay as they are. */
export interface UpdateKeyInput {
  /** New name, 1-128 characters. */
  name?: string;
  /** New granted scopes (replace the old ones). */
  scopes?: readonly string[];
  /** New metadata (replaces the old object). */
  metadata?: { [key: string]: JsonValue };
  /** New expiry in the future, or null for none. Give this or `expiresIn`, not both. */
  expiresAt?: Date | null;
  /** New lifetime in ms from now. */
  expiresIn?: number;
  /** New per-key rate limits, or null to use the configured defaults again. */
  rateLimits?: readonly RateLimitPolicy[] | null;
  /** New IP allowlist, or null to allow any address. */
  allowedIps?: readonly string[] | null;
}

const MAX_SCOPES = 64;
const MAX_METADATA_BYTES = 8192;

// Control characters, and UTF-16 surrogates not part of a pair (in `u` mode a pair is one code
// point, so \p{Cs} matches only a lone half): no store can keep them as written.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const UNSTORABLE_TEXT = /[\u0000-\u001f\u007f\p{Cs}]/u;
// In metadata strings only NUL and lone surrogates: PostgreSQL's jsonb refuses both, every store
// keeps the rest.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting NUL is the point
const UNSTORABLE_JSON_TEXT = /[\u0000\p{Cs}]/u;

/** Checks text fields: a string of 1..max characters with no control characters and no unpaired surrogates. */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || UNSTORABLE_TEXT.test(value)) {
    throw new KeygateError(
      'invalid_input',
      `${field} must be a string of 1-${max} characters without control characters or unpaired surrogates.`,
      { field },
    );
  }
  return value;
}

/** Validates and normalises granted scopes. */
export function checkScopes(scopes: unknown): string[] {
  if (scopes === undefined) return [];
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES) {
    throw new KeygateError('invalid_input', `scopes must be an array of at most ${MAX_SCOPES} scopes.`, {
      field: 'scopes',
    });
  }
  scopes.forEach((scope, i) => {
    try {
      assertGrantableScope(scope);
    } catch (error) {
      throw new KeygateError('invalid_scope', (error as Error).message, { field: `scopes[${i}]` });
    }
  });
  return [...new Set(scopes as string[])];
}

/**
 * Validates metadata: a plain JSON object, at most 8 KiB once serialised, with no NUL character or
 * unpaired surrogate in any key or string (every store can then keep it as given).
 */
export function checkMetadata(metadata: unknown): { [key: string]: JsonValue } {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new KeygateError('invalid_input', 'metadata must be a JSON object.', { field: 'metadata' });
  }
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    throw new KeygateError('invalid_input', 'metadata must be JSON-serialisable.', { field: 'metadata' });
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw new KeygateError('invalid_input', `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`, {
      field: 'metadata',
    });
  }
  const copy = JSON.parse(json) as { [key: string]: JsonValue };
  if (hasUnstorableText(copy)) {
    throw new KeygateError('invalid_input', 'metadata must not contain NUL characters or unpaired surrogates.', {
      field: 'metadata',
    });
  }
  return copy;
}

// Walks parsed JSON (at most 8 KiB, so shallow enough to recurse) for keys and strings no store can keep.
function hasUnstorableText(value: JsonValue): boolean {
  if (typeof value === 'string') return UNSTORABLE_JSON_TEXT.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  return Object.entries(value).some(([key, inner]) => UNSTORABLE_JSON_TEXT.test(key) || hasUnstorableText(inner));
}

/** Resolves `expiresAt` / `expiresIn` into one future date, or null. */
export function checkExpiry(input: { expiresAt?: unknown; expiresIn?: unknown }, now: number): Date | null {
  const { expiresAt, expiresIn } = input;
  if (expiresAt !== undefined && expiresIn !== undefined) {
    throw new KeygateError('invalid_input', 'Give expiresAt or expiresIn, not both.', { field: 'expiresIn' });
  }
  if (expiresIn !== undefined) {
    const at = typeof expiresIn === 'number' && expiresIn > 0 ? new Date(now + expiresIn) : undefined;
    if (at === undefined || Number.isNaN(at.getTime())) {
      throw new KeygateError('invalid_input', 'expiresIn must be a positive number of milliseconds.', {
        field: 'expiresIn',
      });
    }
    return at;
  }
  if (expiresAt === undefined || expiresAt === null) return null;
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now) {
    throw new KeygateError('invalid_input', 'expiresAt must be a valid date in the future.', { field: 'expiresAt' });
  }
  return new Date(expiresAt.getTime());
}
