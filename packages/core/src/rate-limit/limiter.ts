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

/** One subject's policies in a decision over several subjects (see {@link RateLimiter.consumeAll}). */
export interface RateLimitPart {
  /** Who this part counts (an owner, a key lineage, ...): 1-512 characters, no NUL. */
  readonly subject: string;
  /** The policies counted for it. */
  readonly policies: readonly RateLimitPolicy[];
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
  /**
   * One atomic decision over several subjects: admitted only when every policy of every part
   * admits it, and then counted on every part; a refusal counts nothing anywhere. The decision's
   * policies are every part's, in the order given. The first part anchors the call: it is counted
   * under its subject exactly as `consume` counts it (the same counters); each later part is
   * counted under its subject within the first's, so its counters belong to the pair (first
   * subject, its subject) and are never those of a plain `consume` of it. (All counters of a call
   * then live with the first subject: on a Redis Cluster, in its hash slot.)
   * Optional: the adapters' owner-level limits need it.
   */
  consumeAll?(parts: readonly RateLimitPart[], cost?: number): MaybePromise<RateLimitDecision>;
}

/** Most parts of one {@link RateLimiter.consumeAll} call. */
export const MAX_PARTS = 8;

/** The longest subject a limiter takes. */
export const MAX_SUBJECT_LENGTH = 512;

/**
 * The one rule for rate-limit subjects: 1-512 characters without NUL (NUL separates the subjects
 * in the names of linked counters, see consumeAll).
 */
export function isRateLimitSubject(subject: unknown): subject is string {
  return (
    typeof subject === 'string' &&
    subject.length > 0 &&
    subject.length <= MAX_SUBJECT_LENGTH &&
    !subject.includes('\u0000')
  );
}

/** Throws `invalid_input` unless `subject` follows {@link isRateLimitSubject}. */
export function assertSubject(subject: unknown): void {
  if (!isRateLimitSubject(subject)) {
    throw new KeygateError(
      'invalid_input',
      `keygate: a rate-limit subject is 1-${MAX_SUBJECT_LENGTH} characters without NUL.`,
    );
  }
}

/** Throws `invalid_input` unless `parts` holds 1-8 parts, each with a subject by {@link isRateLimitSubject}. */
export function assertParts(parts: readonly RateLimitPart[]): void {
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PARTS) {
    throw new KeygateError('invalid_input', `keygate: consumeAll takes 1-${MAX_PARTS} parts.`);
  }
  for (const part of parts) assertSubject((part as Partial<RateLimitPart> | null)?.subject);
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
