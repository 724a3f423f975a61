import type { KeyStore } from '../../src/stores/store.js';

/** The KeyStore methods a counting store counts. */
export type StoreMethod =
  | 'findById'
  | 'create'
  | 'update'
  | 'rotate'
  | 'listByOwner'
  | 'touchMany'
  | 'getCredits'
  | 'setCredits'
  | 'addCredits'
  | 'spendCredits'
  | 'refillCredits';

export interface CountingStore<S extends KeyStore = KeyStore> {
  /** The wrapper to hand to keygate: it counts, then calls `inner`. */
  readonly store: KeyStore;
  /** The real store, for reads and writes the test does not want counted. */
  readonly inner: S;
  /** Calls so far, by method (0 for a method the wrapper does not have). */
  readonly calls: Record<StoreMethod, number>;
  /** Makes every following call reject with `error` (undefined restores normal behaviour). */
  failWith(error: unknown): void;
  /** Resolves once every write (update, touchMany) started so far has settled. */
  settled(): Promise<void>;
  /** Sets every count back to zero. */
  reset(): void;
}

/**
 * Wraps `inner`, counting calls by method. The wrapper has the KeyStore methods `inner` has,
 * `touchMany` included unless `options.touchMany` is false (last-used writes then arrive as one
 * `update` per key).
 */
export declare function countingStore<S extends KeyStore>(
  inner: S,
  options?: { touchMany?: boolean },
): CountingStore<S>;
