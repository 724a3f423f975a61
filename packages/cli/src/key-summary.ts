// The words the human output uses for a key's state and expiry.
import type { ApiKey } from '@keygate/core';

/** A key's state in one word. */
export function status(key: ApiKey): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.disabledAt !== null) return 'disabled';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= Date.now()) return 'expired';
  return key.replacedBy === null ? 'active' : 'rotated';
}

/** `, expires <ISO date>`, or nothing for a key without expiry. */
export function until(key: ApiKey): string {
  return key.expiresAt === null ? '' : `, expires ${key.expiresAt.toISOString()}`;
}
