import type { StoreErrorPolicy } from '../rate-limit/options.js';

/**
 * Turns a stream of store failures and successes into one warning when an outage starts and one
 * notice when it ends, however many requests fail in between. A success only ends an outage when
 * its call began after the outage was declared, so replies still in flight cannot make it flap.
 */
export class OutageMonitor {
  readonly #warn: (message: string, error?: unknown) => void;
  readonly #policy: StoreErrorPolicy;
  #calls = 0;
  #down = false;
  #downAt = 0;

  constructor(warn: (message: string, error?: unknown) => void, policy: StoreErrorPolicy) {
    this.#warn = warn;
    this.#policy = policy;
  }

  /** True while an outage is in progress. */
  get down(): boolean {
    return this.#down;
  }

  /** Numbers a call as it starts; pass the number to {@link succeeded}. */
  begin(): number {
    return ++this.#calls;
  }

  /** A call that began as `call` got an answer from the store. */
  succeeded(call: number): void {
    if (this.#down && call > this.#downAt) {
      this.#down = false;
      this.#warn('keygate: the rate-limit store answers again; rate limits apply again.');
    }
  }

  /** A call failed or timed out: warns when this starts an outage. */
  failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#downAt = this.#calls;
    const effect =
      this.#policy === 'open'
        ? 'requests pass without rate limits (onStoreError: open)'
        : 'requests are refused with 503 (onStoreError: closed)';
    this.#warn(`keygate: the rate-limit store is unavailable; ${effect} until it answers again.`, error);
  }
}
