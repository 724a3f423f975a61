// GCRA (generic cell rate algorithm): a token bucket that stores one number per key and policy,
// the theoretical arrival time (TAT) of the next request at the sustained rate.
//
// A policy { limit: q, windowSeconds: w } has the emission interval T = w/q and the tolerance
// τ = q·T, so that q requests may arrive at once and the bucket then refills one unit per T.
// A request of cost n at time `now`, with tat = max(storedTat, now), is admitted when
//   tat + n·T - now <= τ
// and then stores tat + n·T. The state after a decision is fully described by
// `untilFull` = tat' - now (how long until the bucket is full again):
//   remaining units = floor((τ - untilFull) / T)
//   wait for a denied request of cost n = tat + n·T - τ - now
//
// All times are integer microseconds: T is rounded up to a whole microsecond and τ = q·T, so
// every value is an exact integer below 2^53 (in JavaScript and in Redis' Lua alike) and exactly
// q requests of a burst are admitted. The Lua script in ../redis/gcra.lua.ts applies the same
// formulas; keep both in step.

import type { RateLimitPolicy } from '../key/record.js';

/** Microseconds per second. */
export const MICROS = 1_000_000;

/** Emission interval T of a policy in whole microseconds (rounded up, so a burst never exceeds `limit`). */
export function emissionInterval(policy: RateLimitPolicy): number {
  return Math.ceil((policy.windowSeconds * MICROS) / policy.limit);
}

/** Burst tolerance τ = limit·T in microseconds: how far the TAT may run ahead of now. */
export function burstTolerance(policy: RateLimitPolicy, interval: number): number {
  return policy.limit * interval;
}

/** True when a request of `cost` fits: `max(tat, now) + cost·T - now <= τ`. */
export function admits(tat: number, now: number, cost: number, interval: number, tolerance: number): boolean {
  return Math.max(tat, now) + cost * interval - now <= tolerance;
}

/** Microseconds until a request of `cost` would be admitted (0 when it is now). */
export function waitMicros(tat: number, now: number, cost: number, interval: number, tolerance: number): number {
  const wait = Math.max(tat, now) + cost * interval - tolerance - now;
  return Math.max(wait, 0);
}

/** Units left after a decision, given `untilFull` = TAT after the decision minus now. */
export function remainingUnits(untilFull: number, interval: number, tolerance: number): number {
  const remaining = Math.floor((tolerance - untilFull) / interval);
  return Math.max(remaining, 0);
}

/**
 * Seconds for the `t` of the RateLimit header, rounded up: with units left, until the bucket is
 * full again; with none left, until the next unit (so `t` and Retry-After agree).
 */
export function resetSeconds(untilFull: number, remaining: number, interval: number, tolerance: number): number {
  const micros = remaining > 0 ? untilFull : untilFull - (tolerance - interval);
  return micros > 0 ? Math.ceil(micros / MICROS) : 0;
}
