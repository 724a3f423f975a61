// Helpers of KeyManager: lifecycle events, the state checks before a change, per-key serialisation.
import { KeygateError } from './errors.js';
import { type AuditEvent, type AuditEventType, NO_REQUEST, type RequestContext } from './events.js';
import type { KeyRecord, KeyRecordPatch } from './record.js';

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

/** Throws `invalid_input` when a key can no longer change: revoked, or replaced by rotation. */
export function assertChangeable(record: KeyRecord, action: 'update' | 'rotate'): void {
  if (record.revokedAt !== null) throw new KeygateError('invalid_input', `A revoked key cannot be ${action}d.`);
  if (record.replacedBy !== null) {
    throw new KeygateError(
      'invalid_input',
      `The key was already rotated (replaced by ${record.replacedBy}): ${action} its replacement instead.`,
    );
  }
}

/**
 * How rotation marks the old key: `replacedBy`, and either revoked now (grace 0) or expiring at
 * the earlier of its own expiry and the end of the grace period.
 */
export function rotationPatch(record: KeyRecord, replacedBy: string, at: number, grace: number): KeyRecordPatch {
  if (grace === 0) return { replacedBy, revokedAt: new Date(at) };
  const until = Math.min(record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY, at + grace);
  return { replacedBy, expiresAt: new Date(until) };
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
