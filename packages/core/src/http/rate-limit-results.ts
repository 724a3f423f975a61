// The admitted result of the latest decision over one policy list, reused while the figures it
// shows repeat. A subject whose quota stays full (or nearly) gets the same `RateLimit` value
// request after request, and formatting it was most of the rate-limit step's own work.
import type { RateLimitDecision } from '../rate-limit/limiter.js';

/** One admitted result, with the figures (remaining, reset seconds of each policy) it shows. */
export class ResultCache<R> {
  #result: R | undefined;
  #figures: number[] = [];

  /** The remembered result when `decision` (admitted) shows the same figures, else undefined. */
  get(decision: RateLimitDecision): R | undefined {
    const result = this.#result;
    if (result === undefined) return undefined;
    const { policies } = decision;
    const figures = this.#figures;
    if (figures.length !== 2 * policies.length) return undefined;
    for (let i = 0; i < policies.length; i++) {
      const state = policies[i] as RateLimitDecision['policies'][number];
      if (figures[2 * i] !== state.remaining || figures[2 * i + 1] !== state.resetSeconds) return undefined;
    }
    return result;
  }

  /** Remembers `result` (frozen, shared by every request that shows these figures) for `decision`. */
  set(decision: RateLimitDecision, result: R): void {
    this.#figures = decision.policies.flatMap((state) => [state.remaining, state.resetSeconds]);
    this.#result = result;
  }
}
