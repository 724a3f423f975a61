import { KeygateError } from './errors.js';
import type { JsonValue } from './record.js';
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
    );
  }
  return value;
}

/** Validates and normalises granted scopes. */
export function checkScopes(scopes: unknown): string[] {
  if (scopes === undefined) return [];
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES) {
    throw new KeygateError('invalid_input', `scopes must be an array of at most ${MAX_SCOPES} scopes.`);
  }
  for (const scope of scopes) assertGrantableScope(scope);
  return [...new Set(scopes as string[])];
}

/** Validates metadata: a plain JSON object, at most 8 KiB once serialised. */
export function checkMetadata(metadata: unknown): { [key: string]: JsonValue } {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new KeygateError('invalid_input', 'metadata must be a JSON object.');
  }
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    throw new KeygateError('invalid_input', 'metadata must be JSON-serialisable.');
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw new KeygateError('invalid_input', `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`);
  }
  return JSON.parse(json) as { [key: string]: JsonValue };
}

/** Resolves `expiresAt` / `expiresIn` into one future date, or null. */
export function checkExpiry(input: { expiresAt?: unknown; expiresIn?: unknown }, now: number): Date | null {
  const { expiresAt, expiresIn } = input;
  if (expiresAt !== undefined && expiresIn !== undefined) {
    throw new KeygateError('invalid_input', 'Give expiresAt or expiresIn, not both.');
  }
  if (expiresIn !== undefined) {
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new KeygateError('invalid_input', 'expiresIn must be a positive number of milliseconds.');
    }
    return new Date(now + expiresIn);
  }
  if (expiresAt === undefined || expiresAt === null) return null;
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now) {
    throw new KeygateError('invalid_input', 'expiresAt must be a valid date in the future.');
  }
  return new Date(expiresAt.getTime());
}
