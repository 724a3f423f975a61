import { KeygateError } from '../errors.js';
import type { KeyRecordPatch } from '../key/record.js';
import { isSafeToEcho } from '../key/redaction.js';
import {
  type CreateKeyInput,
  checkExpiry,
  checkMetadata,
  checkScopes,
  checkText,
  type UpdateKeyInput,
} from './input.js';
import { checkAllowedIps, checkRateLimits } from './limits.js';
import type { MintFields } from './mint.js';

/** Validates create input into the fields of a new record. Throws `invalid_input` (or `invalid_scope`) naming the field. */
export function checkCreate(input: CreateKeyInput, now: number): MintFields {
  if (typeof input !== 'object' || input === null) throw new KeygateError('invalid_input', 'create() takes an object.');
  return {
    name: checkText('name', input.name, 128),
    owner: checkText('owner', input.owner, 256),
    scopes: checkScopes(input.scopes),
    metadata: checkMetadata(input.metadata),
    expiresAt: checkExpiry(input, now),
    rateLimits: input.rateLimits === undefined ? null : checkRateLimits(input.rateLimits),
    allowedIps: input.allowedIps === undefined ? null : checkAllowedIps(input.allowedIps),
  };
}

const UPDATABLE = new Set(['name', 'scopes', 'metadata', 'expiresAt', 'expiresIn', 'rateLimits', 'allowedIps']);

/**
 * Validates an update into a record patch holding only the fields given. Unknown fields are
 * refused (a misspelt field would otherwise be ignored without a word), named only when safe to
 * echo: a field name may be a pasted key.
 */
export function checkUpdate(input: UpdateKeyInput, now: number): KeyRecordPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KeygateError('invalid_input', 'update() takes an object of the fields to change.');
  }
  for (const [field, value] of Object.entries(input)) {
    if (value !== undefined && !UPDATABLE.has(field)) {
      const shown = isSafeToEcho(field) ? field : undefined;
      throw new KeygateError(
        'invalid_input',
        `${shown === undefined ? 'A field (name not shown)' : JSON.stringify(shown)} cannot be updated; updatable fields: ${[...UPDATABLE].join(', ')}.`,
        shown === undefined ? {} : { field: shown },
      );
    }
  }
  const patch: KeyRecordPatch = {};
  if (input.name !== undefined) patch.name = checkText('name', input.name, 128);
  if (input.scopes !== undefined) patch.scopes = checkScopes(input.scopes);
  if (input.metadata !== undefined) patch.metadata = checkMetadata(input.metadata);
  if (input.expiresAt !== undefined || input.expiresIn !== undefined) patch.expiresAt = checkExpiry(input, now);
  if (input.rateLimits !== undefined) patch.rateLimits = checkRateLimits(input.rateLimits);
  if (input.allowedIps !== undefined) patch.allowedIps = checkAllowedIps(input.allowedIps);
  return patch;
}
