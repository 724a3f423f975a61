// Helpers of KeyManager: lifecycle events, the state and delegation checks before a change,
// rotation's patch and per-key serialisation.

import { KeygateError } from '../errors.js';
import { type AuditEvent, type AuditEventType, NO_REQUEST, type RequestContext } from '../events.js';
import type { ApiKey, KeyRecord, KeyRecordPatch, RateLimitPolicy } from '../key/record.js';
import { coversGrant } from '../key/scopes.js';
import { frozenReason } from '../key/state.js';
import { exceedingPower, type PowerField } from './delegation.js';

/**
 * The key on whose behalf a KeyManager call acts (e.g. the caller of the management routes): the
 * call can create, see, change or remove nothing more powerful than it (see exceedingPower).
 */
export interface Actor {
  /** The acting key, as last read from the store. */
  readonly key: ApiKey;
  /** The default policies of keys with `rateLimits: null`, when known (see exceedingPower). */
  readonly defaultRateLimits?: readonly RateLimitPolicy[] | undefined;
}

/** A frozen lifecycle event: public id, owner, time and request context; never a key or hash. */
export function lifecycleEvent(
  type: AuditEventType,
  key: Pick<KeyRecord, 'id' | 'owner'>,
  at: number,
  context: RequestContext | undefined,
  replacedBy?: string,
): AuditEvent {
  const ctx = context ?? NO_REQUEST;
  return Object.freeze({
    type,
    time: new Date(at),
    keyId: key.id,
    owner: key.owner,
    route: ctx.route ?? null,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    ...(replacedBy === undefined ? {} : { replacedBy }),
  });
}

const FROZEN = {
  revoked: 'The key has been revoked; it can no longer change.',
  rotated: 'The key was rotated; change its replacement instead.',
  expired: 'The key has expired; it can no longer change: create a new one instead.',
} as const;

/** Throws `conflict` when a key can no longer be updated or rotated (see frozenReason). */
export function assertChangeable(record: KeyRecord, at: number): void {
  const reason = frozenReason(record, at);
  if (reason !== undefined) throw new KeygateError('conflict', FROZEN[reason]);
}

/** Throws `conflict` when the caller expected another version of the key than the one read. */
export function assertVersion(record: KeyRecord, ifVersion: number | undefined): void {
  if (ifVersion !== undefined && ifVersion !== record.version) {
    throw new KeygateError('conflict', 'The key changed meanwhile; read it again and retry.');
  }
}

/** True when the actor may see and act on this key: it is no more powerful than the actor. */
export function withinActor(actor: Actor | undefined, key: ApiKey): boolean {
  return actor === undefined || exceedingPower(actor.key, key, actor.defaultRateLimits) === undefined;
}

/** Throws `forbidden` naming the field in which `powers` would exceed the actor. */
export function assertWithinActor(actor: Actor | undefined, powers: Parameters<typeof exceedingPower>[1]): void {
  if (actor === undefined) return;
  const field = exceedingPower(actor.key, powers, actor.defaultRateLimits);
  if (field === 'scopes') {
    // Scopes are validated grants (lower-case segments), never key-shaped: safe to name.
    const unheld = powers.scopes.filter((scope) => !coversGrant(actor.key.scopes, scope));
    throw new KeygateError('forbidden', `The acting key cannot grant scopes it does not hold: ${unheld.join(' ')}.`, {
      field,
    });
  }
  if (field !== undefined) throw beyond(field);
}

/** The fields a key may not change on itself: its restrictions. */
export const RESTRICTIONS: readonly Exclude<PowerField, 'environment'>[] = [
  'scopes',
  'expiresAt',
  'allowedIps',
  'rateLimits',
];

/** Throws `forbidden` when an actor's patch of its own key touches one of its restrictions. */
export function assertNoSelfRestrictionChange(actor: Actor | undefined, id: string, patch: KeyRecordPatch): void {
  if (actor?.key.id !== id) return;
  const field = RESTRICTIONS.find((name) => patch[name] !== undefined);
  if (field !== undefined) {
    throw new KeygateError('forbidden', `A key cannot change its own ${field}; only its name and metadata.`, {
      field,
    });
  }
}

function beyond(field: Exclude<PowerField, 'scopes'>): KeygateError {
  const what = {
    expiresAt: 'give a key a later expiry (or none) than its own',
    allowedIps: 'give a key a wider IP allowlist (or none) than its own',
    rateLimits: 'give a key looser rate limits (or none) than its own',
    environment: 'reach a key of another environment than its own',
  }[field];
  return new KeygateError('forbidden', `The acting key cannot ${what}.`, { field });
}

/**
 * How rotation marks the old key: `replacedBy`, a new version, and either revoked now (grace 0)
 * or expiring at the earlier of its own expiry and the end of the grace period.
 */
export function rotationPatch(record: KeyRecord, replacedBy: string, at: number, grace: number): KeyRecordPatch {
  const version = record.version + 1;
  if (grace === 0) return { replacedBy, revokedAt: new Date(at), version };
  const until = Math.min(record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY, at + grace);
  return { replacedBy, expiresAt: new Date(until), version };
}

/** Runs the changes to one key one after another (on this instance), so e.g. rotating twice at once mints one key. */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier change to `id` has settled. */
  async run<T>(id: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(id) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(id, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    }
  }
}
