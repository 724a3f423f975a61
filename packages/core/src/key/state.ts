// What state a key is in, judged in one place: whether it can authenticate, and whether it can
// still change.
import type { KeyRecord } from './record.js';

type StateFields = Pick<KeyRecord, 'revokedAt' | 'expiresAt' | 'replacedBy'>;

/** True when a key is neither revoked nor expired at `at` (epoch ms): it authenticates, and counts against the owner's cap. */
export function isActive(key: Pick<KeyRecord, 'revokedAt' | 'expiresAt'>, at: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > at);
}

/** Why a key can no longer change (be updated or rotated), or undefined when it can. */
export type FrozenReason = 'revoked' | 'rotated' | 'expired';

/**
 * Why a key can no longer be updated or rotated at `at`: it was revoked, it was replaced by
 * rotation (its replacement is the one to change), or it expired (changing it could only revive
 * it past the owner's cap). Undefined when it can change.
 */
export function frozenReason(key: StateFields, at: number): FrozenReason | undefined {
  if (key.revokedAt !== null) return 'revoked';
  if (key.replacedBy !== null) return 'rotated';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= at) return 'expired';
  return undefined;
}
