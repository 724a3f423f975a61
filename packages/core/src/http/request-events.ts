// Audit events of the request path: `verified`, `failed` and `rate_limited`, each with the request
// context read through the adapter's accessors, and the same outcomes told to the telemetry.
// Built only when a listener or telemetry is configured.
import { isIP } from 'node:net';
import type { AuditEvent, AuditEventType, AuditFailureReason, AuditListener, RequestContext } from '../events.js';
import type { ApiKey } from '../key/record.js';
import { redactKeys } from '../key/redaction.js';
import type { AuthenticationOutcome, KeygateTelemetry } from '../telemetry/telemetry.js';
import { headerValues, type RequestAccessors } from './credentials.js';
import type { ProblemResponse } from './problem.js';

/** Longest `userAgent` an event carries; longer ones are cut. */
export const MAX_USER_AGENT_LENGTH = 256;
/** Longest path in an event's `route`; longer ones are cut. */
export const MAX_ROUTE_PATH_LENGTH = 512;

/** Emits the audit events of authentication for one adapter's requests. */
export interface RequestEvents<Req> {
  /** A key was accepted (after IP, TLS and rate-limit checks). */
  verified(req: Req, key: ApiKey): void;
  /** A request was refused; `keyId`/`owner` when known (the owner only for a key whose secret was verified). */
  failed(req: Req, reason: AuditFailureReason, keyId?: string | null, owner?: string | null): void;
  /** A request was over a rate limit: the violated policies come from the 429 response. */
  rateLimited(req: Req, key: ApiKey | undefined, response: ProblemResponse): void;
}

/**
 * The event emitter of an authenticator, or undefined with neither `emit` (no listener) nor
 * `telemetry`: callers then skip it with `events?.…`, so nothing is built on the request path.
 * Building an event never throws out of here, and the listener's own failures are caught by `emit`
 * (the telemetry's by its guard).
 */
export function createRequestEvents<Req>(
  emit: AuditListener | undefined,
  now: () => number,
  accessors: RequestAccessors<Req>,
  telemetry?: KeygateTelemetry,
): RequestEvents<Req> | undefined {
  if (emit === undefined && telemetry === undefined) return undefined;
  const send = (
    req: Req,
    type: AuditEventType & AuthenticationOutcome,
    keyId: string | null,
    owner: string | null,
    extra?: { reason: AuditFailureReason } | { policies: readonly string[] },
  ) => {
    if (telemetry !== undefined) {
      const reason = extra !== undefined && 'reason' in extra ? extra.reason : undefined;
      telemetry.authenticated(req, { outcome: type, reason, keyId, owner });
    }
    if (emit === undefined) return;
    let event: AuditEvent;
    try {
      event = Object.freeze({ type, time: new Date(now()), keyId, owner, ...requestContext(req, accessors), ...extra });
    } catch (error) {
      console.error('keygate: could not build an audit event', error);
      return;
    }
    emit(event);
  };
  return {
    verified: (req, key) => send(req, 'verified', key.id, key.owner),
    failed: (req, reason, keyId = null, owner = null) => send(req, 'failed', keyId, owner, { reason }),
    rateLimited: (req, key, response) =>
      send(req, 'rate_limited', key?.id ?? null, key?.owner ?? null, { policies: violatedPolicies(response) }),
  };
}

/**
 * The context of a request: `METHOD /path` without query string or fragment, the client address
 * as the framework resolves it (null when that is not an IP address), and the user agent (cut to {@link MAX_USER_AGENT_LENGTH}).
 * Keys are replaced by `[redacted]` in the route and user agent, before either is cut, also when
 * percent-encoded or joined to other characters (see redactKeys).
 */
export function requestContext<Req>(req: Req, accessors: RequestAccessors<Req>): RequestContext {
  const raw = accessors.raw(req);
  const target = accessors.originalUrl?.(req) ?? raw.url;
  let route: string | null = null;
  if (typeof target === 'string') {
    const end = target.search(/[?#]/);
    const path = redactKeys(end === -1 ? target : target.slice(0, end)).slice(0, MAX_ROUTE_PATH_LENGTH);
    route = `${raw.method ?? 'GET'} ${path}`;
  }
  const agent = headerValues(raw.rawHeaders, 'user-agent')?.[0];
  return {
    route,
    ip: clientAddress(accessors.ip(req)),
    userAgent: agent === undefined ? null : redactKeys(agent).slice(0, MAX_USER_AGENT_LENGTH),
  };
}

// The address as the framework resolved it when it is one (behind a trusted proxy it comes from a
// header anyone can write), else null: an event never carries a hostile header's text.
function clientAddress(address: string | undefined): string | null {
  return address !== undefined && isIP(address.split('%')[0] as string) !== 0 ? address.slice(0, 64) : null;
}

function violatedPolicies(response: ProblemResponse): readonly string[] {
  const violated = response.body['violated-policies'];
  return Array.isArray(violated) ? Object.freeze(violated.map(String)) : Object.freeze([]);
}
