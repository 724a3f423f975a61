import { KeygateError } from './errors.js';
import type { JsonValue, RateLimitPolicy } from './record.js';
import { assertGrantableScope } from './scopes.js';

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

/** Checks text fields: a string of 1..max characters with no control characters. */
export function checkText(field: string, value: unknown, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new KeygateError(
      'invalid_input',
      `${field} must be a string of 1-${max} characters without control characters.`,
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

/** Validates metadata: a plain JSON object, at most 8 KiB once serialised. */
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
  return JSON.parse(json) as { [key: string]: JsonValue };
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
