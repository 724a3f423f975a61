// Response headers of draft-ietf-httpapi-ratelimit-headers-10 (RFC 9651 Structured Fields: a List
// of Strings, the policy names, with parameters), and the legacy X-RateLimit-* trio on request.
import type { RateLimitPolicy } from '../key/record.js';
import type { PolicyState, RateLimitDecision } from './limiter.js';

// An sf-string: quoted, with `\` and `"` escaped (policy names are validated to printable ASCII).
function sfString(value: string): string {
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** The `RateLimit-Policy` value, e.g. `"burst";q=20;w=1, "daily";q=10000;w=86400`: fixed per policy list, build it once. */
export function formatRateLimitPolicy(policies: readonly RateLimitPolicy[]): string {
  return policies.map((p) => `${sfString(p.name)};q=${p.limit};w=${p.windowSeconds}`).join(', ');
}

/** The `RateLimit` value, e.g. `"burst";r=0;t=1`: `r` units remaining, `t` seconds until reset (next unit when r=0). */
export function formatRateLimit(states: readonly PolicyState[]): string {
  let value = '';
  for (let i = 0; i < states.length; i++) {
    const state = states[i] as PolicyState;
    if (i > 0) value += ', ';
    value += `${sfString(state.policy.name)};r=${state.remaining};t=${state.resetSeconds}`;
  }
  return value;
}

/** Options of {@link rateLimitHeaders}. */
export interface RateLimitHeaderOptions {
  /** The `RateLimit-Policy` value when already built (see {@link formatRateLimitPolicy}); built here otherwise. */
  policyHeader?: string;
  /** Also send `X-RateLimit-Limit`, `-Remaining` and `-Reset` (Unix seconds) for the tightest policy. Default false. */
  legacy?: boolean;
  /** Wall clock in ms since the epoch, for the legacy `X-RateLimit-Reset`. Default `Date.now`. */
  now?: () => number;
}

/**
 * The headers describing a decision (lower-case names): `ratelimit-policy` and `ratelimit`, plus
 * `retry-after` when denied and the legacy trio when asked. Empty when no policy applies.
 */
export function rateLimitHeaders(
  decision: RateLimitDecision,
  options: RateLimitHeaderOptions = {},
): Record<string, string> {
  const states = decision.policies;
  if (states.length === 0) return {};
  const headers: Record<string, string> = {
    'ratelimit-policy': options.policyHeader ?? formatRateLimitPolicy(states.map((s) => s.policy)),
    ratelimit: formatRateLimit(states),
  };
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, decision.retryAfterSeconds));
  if (options.legacy === true) {
    const tightest = tightestState(states);
    headers['x-ratelimit-limit'] = String(tightest.policy.limit);
    headers['x-ratelimit-remaining'] = String(tightest.remaining);
    headers['x-ratelimit-reset'] = String(Math.ceil((options.now ?? Date.now)() / 1000) + tightest.resetSeconds);
  }
  return headers;
}

// The state with the fewest units left; on a tie, the one that takes longest to reset.
function tightestState(states: readonly PolicyState[]): PolicyState {
  let tightest = states[0] as PolicyState;
  for (let i = 1; i < states.length; i++) {
    const state = states[i] as PolicyState;
    if (
      state.remaining < tightest.remaining ||
      (state.remaining === tightest.remaining && state.resetSeconds > tightest.resetSeconds)
    ) {
      tightest = state;
    }
  }
  return tightest;
}
