import { KeygateError } from '../errors.js';
import { MAX_LIMIT } from '../key/rate-limit-policy.js';
import type { RateLimitPolicy } from '../key/record.js';

/** A value now, or a promise of it: in-memory limiters answer synchronously, remote ones do not. */
export type MaybePromise<T> = T | Promise<T>;

/** How one policy stands after a decision. */
export interface PolicyState {
  /** The policy. */
  readonly policy: RateLimitPolicy;
  /** Units left right now (after this request, when it was admitted). */
  readonly remaining: number;
  /** Seconds, rounded up, until the quota is full again, or until the next unit when none is left. */
  readonly resetSeconds: number;
}

/** The outcome of one rate-limit check over all of a subject's policies. */
export interface RateLimitDecision {
  /** True when every policy admitted the request (and, for `consume`, it was counted by all). */
  readonly allowed: boolean;
  /** One state per policy, in the order given. */
  readonly policies: readonly PolicyState[];
  /** Whole seconds (at least 1) until the request would be admitted; 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Names of the policies that denied the request; empty when allowed. */
  readonly violated: readonly string[];
}

/**
 * Counts requests per subject (a key id, an IP) under named GCRA policies. A request is admitted
 * only when every policy admits it; a denial consumes nothing from any policy.
 */
export interface RateLimiter {
  /** Admits and counts a request of `cost` units (default 1), or denies it and counts nothing. */
  consume(subject: string, policies: readonly RateLimitPolicy[], cost?: number): MaybePromise<RateLimitDecision>;
  /** The decision `consume` would make now, without counting anything. */
  check(subject: string, policies: readonly RateLimitPolicy[], cost?: number): MaybePromise<RateLimitDecision>;
}

/** Throws `invalid_input` unless `cost` is an integer from 0 to {@link MAX_LIMIT}. */
export function assertCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < 0 || cost > MAX_LIMIT) {
    throw new KeygateError(
      'invalid_input',
      `keygate: a rate-limit cost must be an integer of at least 0 (received ${String(cost)}).`,
    );
  }
}

/** The shared decision of an admitted request with no policy (nothing to count). */
export const EMPTY_DECISION: RateLimitDecision = Object.freeze({
  allowed: true,
  policies: Object.freeze([]),
  retryAfterSeconds: 0,
  violated: Object.freeze([]),
});

/** The `violated` list of every admitted decision. */
export const NONE_VIOLATED: readonly string[] = Object.freeze([]);
