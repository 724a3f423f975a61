// Audit events as the stores keep them, and back: what a store returns is checked field by field
// and an odd value fails closed (KeygateError `store_unavailable`, naming the field, never a value).
import { KeygateError } from '../errors.js';
import type { AuditEvent } from '../events.js';

/** The fields of an event as a store keeps them: plain JSON values, the time in ms. */
export interface StoredAuditEvent {
  readonly type: string;
  readonly time: number;
  readonly keyId: string | null;
  readonly owner: string | null;
  readonly reason: string | null;
  readonly replacedBy: string | null;
  readonly policies: readonly string[] | null;
  readonly route: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

// Event types and failure reasons are lowercase words (other versions may add some).
const WORD_RE = /^[a-z][a-z_]{0,31}$/;
const NULLABLE_TEXT = ['keyId', 'owner', 'replacedBy', 'route', 'ip', 'userAgent'] as const;

/** The stored form of an event: only its known fields, each present (null when the event has none). */
export function toStoredEvent(event: AuditEvent): StoredAuditEvent {
  return {
    type: event.type,
    time: event.time.getTime(),
    keyId: event.keyId,
    owner: event.owner,
    reason: event.reason ?? null,
    replacedBy: event.replacedBy ?? null,
    policies: event.policies === undefined ? null : [...event.policies],
    route: event.route,
    ip: event.ip,
    userAgent: event.userAgent,
  };
}

/** The event a store returned, checked; throws `store_unavailable` naming the field at fault. */
export function fromStoredEvent(value: unknown): AuditEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('event', 'an object');
  const stored = value as Record<string, unknown>;
  const { type, time, reason, policies } = stored;
  if (typeof type !== 'string' || !WORD_RE.test(type)) throw malformed('type', 'an event type');
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw malformed('time', 'a time in ms');
  for (const field of NULLABLE_TEXT) {
    if (stored[field] !== null && typeof stored[field] !== 'string') throw malformed(field, 'a string or null');
  }
  if (reason !== null && (typeof reason !== 'string' || !WORD_RE.test(reason))) throw malformed('reason', 'a reason');
  if (policies !== null && !(Array.isArray(policies) && policies.every((p) => typeof p === 'string'))) {
    throw malformed('policies', 'an array of strings or null');
  }
  const event: Record<string, unknown> = {
    type,
    time: new Date(time),
    keyId: stored.keyId,
    owner: stored.owner,
    route: stored.route,
    ip: stored.ip,
    userAgent: stored.userAgent,
  };
  if (reason !== null) event.reason = reason;
  if (stored.replacedBy !== null) event.replacedBy = stored.replacedBy;
  if (policies !== null) event.policies = Object.freeze([...(policies as string[])]);
  return Object.freeze(event) as unknown as AuditEvent;
}

function malformed(field: string, expected: string): KeygateError {
  return new KeygateError(
    'store_unavailable',
    `keygate: the audit log returned a malformed event: ${field} is not ${expected}.`,
  );
}
