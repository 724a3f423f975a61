/** What happened to a key. */
export type AuditEventType =
  | 'created'
  | 'updated'
  | 'verified'
  | 'failed'
  | 'revoked'
  | 'disabled'
  | 'enabled'
  | 'rotated'
  | 'rate_limited'
  | 'credits_low'
  | 'credits_exhausted'
  | 'refilled'
  | 'leaked';

/**
 * Why the authentication middleware refused a request: the `reason` of a `failed` event.
 * - `malformed`: the credential is not a well-formed key (bad format or checksum, empty, too long).
 * - `ambiguous`: the request carries two different keys.
 * - `invalid`: no such key, or a wrong secret.
 * - `expired`, `revoked`: the key was valid once.
 * - `disabled`: the key is disabled (`keys.disable`) until enabled again.
 * - `ip_not_allowed`: a valid key used from outside its IP allowlist.
 * - `tls_required`: a key sent over plain HTTP with `requireTls`.
 * - `busy`: hashing is saturated, or the key id has had too many wrong secrets (503).
 * - `unavailable`: the key store or the rate limiter cannot answer (503).
 * - `internal`: an unexpected failure (500).
 */
export type AuditFailureReason =
  | 'malformed'
  | 'ambiguous'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'disabled'
  | 'ip_not_allowed'
  | 'tls_required'
  | 'busy'
  | 'unavailable'
  | 'internal';

/** The request an event came from, when there was one. Never holds a key. */
export interface RequestContext {
  /** `METHOD /path` (no query string: it may hold a key). */
  readonly route: string | null;
  /** Client address, as the framework resolves it under its trusted-proxy setting. */
  readonly ip: string | null;
  /** The `User-Agent` header, keys redacted, cut to 256 characters. */
  readonly userAgent: string | null;
}

/**
 * One audit event. It carries the key's public id and owner, never the key or its hash.
 * `reason` says why a verification failed (the client only ever sees a generic 401).
 */
export interface AuditEvent extends RequestContext {
  /** What happened. */
  readonly type: AuditEventType;
  /** When it happened, on the instance's clock. */
  readonly time: Date;
  /** The key's public id, or null when a request failed before an id was known. */
  readonly keyId: string | null;
  /** The key's owner, or null when the event does not know it (e.g. most `failed` events). */
  readonly owner: string | null;
  /** For `failed`: why (e.g. `invalid`, `expired`, `revoked`, `disabled`, `ip_not_allowed`). */
  readonly reason?: AuditFailureReason;
  /** For `rotated`: the id of the new key. */
  readonly replacedBy?: string;
  /** For `rate_limited`: the violated policies. */
  readonly policies?: readonly string[];
  /** For `credits_low`, `credits_exhausted` and `refilled`: the allowance, as it is after the event. */
  readonly credits?: CreditsEventDetail;
  /** For `leaked`: where a secret scanner found the key, and what was done about it. */
  readonly leak?: LeakDetails;
}

/**
 * Where a leaked key was found, as the secret scanning report says (keys blanked out, cut to 2048
 * characters), and what keygate did: `revoked`, `disabled`, or `none` (the `report` action, or a
 * key that no longer authenticates).
 */
export interface LeakDetails {
  /** The public URL of the leak (e.g. a commit or gist on GitHub), or null when the report had none. */
  readonly url: string | null;
  /** Where the scanner found it (e.g. `content`, `commit`, `issue_comment`), or null. */
  readonly source: string | null;
  /** What was done with the key. */
  readonly action: 'revoked' | 'disabled' | 'none';
}

/**
 * The allowance an event is about (`owner`: shared by the owner's keys; `key`: the key lineage's
 * own), as it is after the event. `cost` is the request's, when a request caused it.
 */
export interface CreditsEventDetail {
  readonly allowance: 'owner' | 'key';
  readonly remaining: number;
  readonly refillAt: Date | null;
  readonly cost?: number;
}

/** Receives audit events; it runs synchronously on the request path, so it should hand off quickly. */
export type AuditListener = (event: AuditEvent) => void;

/** No request: events raised outside HTTP (e.g. from a script). */
export const NO_REQUEST: RequestContext = Object.freeze({ route: null, ip: null, userAgent: null });

/**
 * Wraps a listener so that it can never break the operation that emits: a throw (or a rejected
 * promise, should the listener be async) is reported to `console.error` and dropped.
 */
export function guardListener(listener: AuditListener | undefined): AuditListener {
  if (listener === undefined) return () => {};
  const report = (error: unknown) => console.error('keygate: the onEvent listener failed', error);
  return (event) => {
    try {
      const result: unknown = listener(event);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  };
}
