// Audit events for the sink tests: one of each shape, at chosen times.
import type { AuditEvent } from '../../src/events.js';

/** An instant all sink tests count from (recent: sinks keep 90 days by default). */
export const NOW = Date.UTC(2026, 0, 15, 12);

/** A frozen event at `NOW + offsetMs`, with `fields` over a `verified` event of key `key_1` of `acct_1`. */
export function event(offsetMs = 0, fields: Partial<AuditEvent> = {}): AuditEvent {
  return Object.freeze({
    type: 'verified',
    time: new Date(NOW + offsetMs),
    keyId: 'key_1',
    owner: 'acct_1',
    route: 'GET /reports',
    ip: '203.0.113.7',
    userAgent: 'curl/8.5',
    ...fields,
  });
}

/** One event of every optional shape: a failure reason, a replacement, violated policies, no request. */
export const SHAPES: readonly AuditEvent[] = [
  event(1, { type: 'failed', reason: 'invalid', owner: null }),
  event(2, { type: 'rotated', replacedBy: 'key_2', route: null, ip: null, userAgent: null }),
  event(3, { type: 'rate_limited', policies: ['burst', 'daily'] }),
  event(4, { type: 'failed', reason: 'malformed', keyId: null, owner: null }),
];
