import { NO_REQUEST, type RequestContext } from '../events.js';
import type { ApiKey, RateLimitPolicy } from '../key/record.js';
import { type RateLimitHeaderOptions, rateLimitHeaders } from '../rate-limit/headers.js';
import type { MaybePromise, RateLimitDecision } from '../rate-limit/limiter.js';
import {
  FAILED_AUTH_POLICY_NAME,
  type PolicySet,
  policySet,
  type RateLimitOptions,
  resolveRateLimitOptions,
} from '../rate-limit/options.js';
import { INTERNAL_ERROR, type ProblemResponse } from './problem.js';
import { OutageMonitor } from './rate-limit-outage.js';
import { quotaExceededProblem, RATE_LIMIT_UNAVAILABLE } from './rate-limit-problem.js';
import { ResultCache } from './rate-limit-results.js';
import { type Counting, subjectCounter } from './rate-limit-subject.js';

/** The outcome of counting an authenticated request: headers to set on the response, or the response to send instead. */
export type RateLimitResult =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> | undefined }
  | { readonly ok: false; readonly response: ProblemResponse; readonly error?: unknown };

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
  /**
   * After a successful authentication: counts the request against the key's policies (per the
   * `subject` option: by default per key lineage) and its owner's. `request` is the request's
   * context, needed only when `needsRequest` (a `subject` function). A subject that cannot be
   * had (the function threw or returned junk) refuses the request with a 500 and its `error`.
   */
  consume(key: ApiKey, request?: RequestContext): MaybePromise<RateLimitResult>;
  /** True when `consume` needs the request's context (a `subject` function is configured). */
  readonly needsRequest: boolean;
}

/** What the failed-authentication guard answers: the response refusing the attempt, or its reservation. */
export type GuardAnswer = { readonly refused: ProblemResponse } | { readonly release: () => void };

// What the step keeps per policy list: its header options, and its latest admitted result.
interface SetState {
  readonly options: RateLimitHeaderOptions;
  readonly admitted: ResultCache<RateLimitResult> | undefined;
}

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
  const { limiter, defaults, environments, cost, failedAuth, onStoreError, legacyHeaders, warn } = config;
  // Undefined by default (per key lineage, no owner-level limits): `consume` then counts inline.
  const counter = subjectCounter(config.subject, config.owner, limiter, cost);
  const closed = onStoreError === 'closed';
  const monitor = new OutageMonitor(warn, onStoreError);
  const guardMonitor =
    failedAuth === undefined || failedAuth.limiter === limiter ? monitor : new OutageMonitor(warn, onStoreError);
  const perKey = new WeakMap<readonly RateLimitPolicy[], PolicySet>();
  const perSet = new WeakMap<PolicySet, SetState>();

  // A record's own list replaces the defaults. It was checked where it entered (key creation or the
  // store's answer, by the one policy rule): here it is only compiled, once per list. Without one,
  // the key's environment's list (compiled once, with the options), then the defaults.
  const policiesOf = (key: ApiKey): PolicySet | undefined => {
    const own = key.rateLimits;
    if (own === null || own === undefined) {
      const environment = key.environment;
      return (
        (environment === null || environment === undefined ? undefined : environments.get(environment)) ?? defaults
      );
    }
    let set = perKey.get(own);
    if (set === undefined) {
      set = policySet(own);
      perKey.set(own, set);
    }
    return set;
  };
  const stateOf = (set: PolicySet): SetState => {
    let state = perSet.get(set);
    if (state === undefined) {
      const options = Object.freeze({ policyHeader: set.policyHeader, legacy: legacyHeaders });
      // The legacy X-RateLimit-Reset moves with the wall clock: no result to reuse then.
      state = { options, admitted: legacyHeaders ? undefined : new ResultCache<RateLimitResult>() };
      perSet.set(set, state);
    }
    return state;
  };

  const toResult = (decision: RateLimitDecision, set: PolicySet): RateLimitResult => {
    const { options, admitted } = stateOf(set);
    if (!decision.allowed) {
      const headers = rateLimitHeaders(decision, options);
      return { ok: false, response: quotaExceededProblem(decision.violated, decision.retryAfterSeconds, headers) };
    }
    const cached = admitted?.get(decision);
    if (cached !== undefined) return cached;
    const result: RateLimitResult = Object.freeze({
      ok: true,
      headers: Object.freeze(rateLimitHeaders(decision, options)),
    });
    admitted?.set(decision, result);
    return result;
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
  const toGuardAnswer = (decision: RateLimitDecision, subject: string): GuardAnswer => {
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
  const counted = (): undefined => undefined;

  const guardFailed = (error: unknown): GuardAnswer => {
    guardMonitor.failed(error);
    return closed ? { refused: RATE_LIMIT_UNAVAILABLE } : NO_RESERVATION;
  };
  const countFailed = (error: unknown): undefined => {
    guardMonitor.failed(error);
  };
  const consumeFailed = (error: unknown): RateLimitResult => {
    monitor.failed(error);
    return closed ? REFUSED : UNLIMITED;
  };

  return Object.freeze({
    checkFailures(subject: string | undefined): MaybePromise<GuardAnswer> {
      if (failedAuth === undefined || !subject) return NO_RESERVATION;
      const { limiter: guard, policies } = failedAuth;
      return ask(guardMonitor, () => guard.check(subject, policies.policies), toGuardAnswer, subject, guardFailed);
    },

    recordFailure(subject: string | undefined): MaybePromise<void> {
      if (failedAuth === undefined || !subject) return undefined;
      const { limiter: guard, policies } = failedAuth;
      return ask(guardMonitor, () => guard.consume(subject, policies.policies), counted, subject, countFailed);
    },

    consume(key: ApiKey, request?: RequestContext): MaybePromise<RateLimitResult> {
      const set = policiesOf(key);
      if (counter !== undefined) {
        let counting: Counting | undefined;
        try {
          counting = counter(key, set, request ?? NO_REQUEST);
        } catch (error) {
          return { ok: false, response: INTERNAL_ERROR, error };
        }
        return counting === undefined ? UNLIMITED : ask(monitor, counting.call, toResult, counting.set, consumeFailed);
      }
      if (set === undefined || set.policies.length === 0) return UNLIMITED;
      // Counted per lineage: a rotated key continues its predecessor's counters.
      const subject = key.lineage || key.id;
      return ask(monitor, () => limiter.consume(subject, set.policies, cost), toResult, set, consumeFailed);
    },

    needsRequest: typeof config.subject === 'function',
  });
}

/**
 * The one path of every limiter call, whether the limiter answers at once or with a promise:
 * `done(decision, context)` on an answer, `failed(error)` on a throw or a rejection, each call
 * numbered on `monitor` so that an outage is reported once and its end only by a later call.
 */
function ask<C, T>(
  monitor: OutageMonitor,
  call: () => MaybePromise<RateLimitDecision>,
  done: (decision: RateLimitDecision, context: C) => T,
  context: C,
  failed: (error: unknown) => T,
): MaybePromise<T> {
  const number = monitor.begin();
  let pending: MaybePromise<RateLimitDecision>;
  try {
    pending = call();
  } catch (error) {
    return failed(error);
  }
  if (!(pending instanceof Promise)) {
    monitor.succeeded(number);
    return done(pending, context);
  }
  return pending.then((decision) => {
    monitor.succeeded(number);
    return done(decision, context);
  }, failed);
}
