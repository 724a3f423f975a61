import type { ProblemResponse } from '../problem.js';
import type { ApiKey, RateLimitPolicy } from '../record.js';
import { rateLimitHeaders } from './headers.js';
import type { MaybePromise, RateLimitDecision } from './limiter.js';
import {
  FAILED_AUTH_POLICY_NAME,
  type PolicySet,
  type RateLimitOptions,
  resolvePolicySet,
  resolveRateLimitOptions,
} from './options.js';
import { OutageMonitor } from './outage.js';
import { quotaExceededProblem, RATE_LIMIT_UNAVAILABLE } from './problem.js';

/** The outcome of counting an authenticated request: headers to set on the response, or the response to send instead. */
export type RateLimitResult =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> | undefined }
  | { readonly ok: false; readonly response: ProblemResponse };

/**
 * Rate limiting as an adapter uses it around verification. Every function answers synchronously
 * with an in-memory limiter and with a promise otherwise; none of them rejects: a store failure
 * (a rejection or a synchronous throw of the limiter) follows `onStoreError` and is reported
 * once per outage.
 */
export interface RateLimitStep {
  /**
   * Before verifying a key (before any lookup or hashing), for a client subject (see
   * clientSubject): the 429 (or 503) to send, or a reservation. A reservation counts the attempt as
   * a possible failure while it runs, so concurrent wrong keys from one client can never start
   * more verifications than its failures left; call `release` once the attempt is over (after
   * `recordFailure` when it failed).
   */
  checkFailures(subject: string | undefined): MaybePromise<GuardAnswer>;
  /** After a failed authentication (401): counts it against the client subject. Resolves once counted. */
  recordFailure(subject: string | undefined): MaybePromise<void>;
  /** After a successful authentication: counts the request against the key's policies, per key lineage. */
  consume(key: ApiKey): MaybePromise<RateLimitResult>;
}

/** What the failed-authentication guard answers: the response refusing the attempt, or its reservation. */
export type GuardAnswer = { readonly refused: ProblemResponse } | { readonly release: () => void };

const NO_RESERVATION: GuardAnswer = Object.freeze({ release: () => {} });
const UNLIMITED: RateLimitResult = Object.freeze({ ok: true, headers: undefined });
const REFUSED: RateLimitResult = Object.freeze({ ok: false, response: RATE_LIMIT_UNAVAILABLE });

// One step per options object: middlewares built from the same `rateLimit` options (e.g. the
// required and optional authenticators of one Fastify registration) share quotas and outage warnings.
const steps = new WeakMap<RateLimitOptions, RateLimitStep>();

/**
 * Builds the rate-limit step from options, validated once here (throws `invalid_options`).
 * Called again with the same options object, it returns the same step.
 */
export function createRateLimitStep(options: RateLimitOptions): RateLimitStep {
  const existing = typeof options === 'object' && options !== null ? steps.get(options) : undefined;
  if (existing !== undefined) return existing;
  const step = buildStep(options);
  steps.set(options, step);
  return step;
}

function buildStep(options: RateLimitOptions): RateLimitStep {
  const config = resolveRateLimitOptions(options);
  const { limiter, defaults, cost, failedAuth, onStoreError, legacyHeaders, warn } = config;
  const closed = onStoreError === 'closed';
  const monitor = new OutageMonitor(warn, onStoreError);
  const guardMonitor =
    failedAuth === undefined || failedAuth.limiter === limiter ? monitor : new OutageMonitor(warn, onStoreError);
  const perKey = new WeakMap<readonly RateLimitPolicy[], PolicySet | undefined>();

  // A record's own list replaces the defaults; an invalid one is reported once and the defaults apply.
  const policiesOf = (key: ApiKey): PolicySet | undefined => {
    const own = key.rateLimits;
    if (own === null || own === undefined) return defaults;
    let set = perKey.get(own);
    if (set === undefined && !perKey.has(own)) {
      try {
        set = resolvePolicySet(own, `rateLimits of key ${key.id}`);
      } catch (error) {
        warn(`keygate: key ${key.id} has invalid rateLimits; the default limits apply to it.`, error);
        set = defaults;
      }
      perKey.set(own, set);
    }
    return set;
  };

  const toResult = (decision: RateLimitDecision, set: PolicySet): RateLimitResult => {
    const headers = rateLimitHeaders(decision, { policyHeader: set.policyHeader, legacy: legacyHeaders });
    if (decision.allowed) return { ok: true, headers };
    return { ok: false, response: quotaExceededProblem(decision.violated, decision.retryAfterSeconds, headers) };
  };

  // Attempts of each client subject verifying right now (this process), each a possible failure.
  const attempts = new Map<string, number>();
  const reserve = (subject: string): GuardAnswer => {
    attempts.set(subject, (attempts.get(subject) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (attempts.get(subject) ?? 1) - 1;
        if (left > 0) attempts.set(subject, left);
        else attempts.delete(subject);
      },
    };
  };
  const toGuardAnswer = (subject: string, decision: RateLimitDecision): GuardAnswer => {
    const state = decision.policies[0];
    if (decision.allowed && (state === undefined || (attempts.get(subject) ?? 0) < state.remaining)) {
      return reserve(subject);
    }
    // Over the limit; or every failure left is taken by attempts in flight, which end shortly.
    const retry = decision.allowed ? 1 : decision.retryAfterSeconds;
    return {
      refused: quotaExceededProblem(
        [FAILED_AUTH_POLICY_NAME],
        retry,
        { 'retry-after': String(retry) },
        `Too many failed authentications from this address; retry in ${retry} s.`,
      ),
    };
  };

  const guardFailed = (error: unknown): GuardAnswer => {
    guardMonitor.failed(error);
    return closed ? { refused: RATE_LIMIT_UNAVAILABLE } : NO_RESERVATION;
  };
  const consumeFailed = (error: unknown): RateLimitResult => {
    monitor.failed(error);
    return closed ? REFUSED : UNLIMITED;
  };

  return Object.freeze({
    checkFailures(subject: string | undefined): MaybePromise<GuardAnswer> {
      if (failedAuth === undefined || !subject) return NO_RESERVATION;
      const call = guardMonitor.begin();
      let pending: MaybePromise<RateLimitDecision>;
      try {
        pending = failedAuth.limiter.check(subject, failedAuth.policies.policies);
      } catch (error) {
        return guardFailed(error);
      }
      if (!(pending instanceof Promise)) {
        guardMonitor.succeeded(call);
        return toGuardAnswer(subject, pending);
      }
      return pending.then((decision) => {
        guardMonitor.succeeded(call);
        return toGuardAnswer(subject, decision);
      }, guardFailed);
    },

    recordFailure(subject: string | undefined): MaybePromise<void> {
      if (failedAuth === undefined || !subject) return undefined;
      const call = guardMonitor.begin();
      let pending: MaybePromise<RateLimitDecision>;
      try {
        pending = failedAuth.limiter.consume(subject, failedAuth.policies.policies);
      } catch (error) {
        guardMonitor.failed(error);
        return undefined;
      }
      if (!(pending instanceof Promise)) {
        guardMonitor.succeeded(call);
        return undefined;
      }
      return pending.then(
        () => guardMonitor.succeeded(call),
        (error: unknown) => guardMonitor.failed(error),
      );
    },

    consume(key: ApiKey): MaybePromise<RateLimitResult> {
      const set = policiesOf(key);
      if (set === undefined || set.policies.length === 0) return UNLIMITED;
      const call = monitor.begin();
      let pending: MaybePromise<RateLimitDecision>;
      try {
        // Counted per lineage: a rotated key continues its predecessor's counters.
        pending = limiter.consume(key.lineage || key.id, set.policies, cost);
      } catch (error) {
        return consumeFailed(error);
      }
      if (!(pending instanceof Promise)) {
        monitor.succeeded(call);
        return toResult(pending, set);
      }
      return pending.then((decision) => {
        monitor.succeeded(call);
        return toResult(decision, set);
      }, consumeFailed);
    },
  });
}
