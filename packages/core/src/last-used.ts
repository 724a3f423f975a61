// Last-used tracking: at most one `lastUsedAt` write per key per interval, off the request path.
import { KeygateError } from './errors.js';
import { LruCache } from './lru.js';
import type { ApiKey } from './record.js';
import type { KeyStore } from './store.js';

/** What a {@link LastUsedTracker} needs, resolved once by createKeygate. */
export interface LastUsedConfig {
  readonly store: KeyStore;
  /** Least time between two writes for one key, in ms. */
  readonly intervalMs: number;
  /** Most keys whose last write time is remembered; beyond it the least recently used is forgotten. */
  readonly maxEntries: number;
  readonly now: () => number;
  /** Receives failed writes; never given a key. */
  readonly onError: (error: unknown) => void;
}

/**
 * Records that keys were used. `touch` never waits for the store: a due write is started and left
 * to run, its failure reported to `onError`. The last write time of each key lives in a bounded
 * LRU whose entries expire after the interval, so a key used again within it costs no write.
 */
export class LastUsedTracker {
  readonly #config: LastUsedConfig;
  readonly #written: LruCache<string, true>;

  constructor(config: LastUsedConfig) {
    this.#config = config;
    this.#written = new LruCache(config.maxEntries, config.now);
  }

  /** Notes one use of `key`; starts a store write when none was started for it within the interval. */
  touch(key: ApiKey): void {
    if (this.#written.get(key.id) !== undefined) return;
    const { store, intervalMs, now, onError } = this.#config;
    const at = now();
    // Marked before writing: concurrent requests (and a failing store) still cost one write per interval.
    this.#written.set(key.id, true, intervalMs);
    Promise.resolve()
      .then(() => store.update(key.id, { lastUsedAt: new Date(at) }))
      .catch(onError);
  }
}

/** The `lastUsed` option of createKeygate. */
export type LastUsedOptions = false | { intervalMs?: number; maxEntries?: number };

/** Validates the `lastUsed` option (throws `invalid_options`); undefined when tracking is off. */
export function createLastUsedTracker(
  option: LastUsedOptions | undefined,
  context: Omit<LastUsedConfig, 'intervalMs' | 'maxEntries'>,
): LastUsedTracker | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new KeygateError('invalid_options', 'keygate: `lastUsed` must be false or { intervalMs?, maxEntries? }.');
  }
  const intervalMs = option?.intervalMs ?? 60_000;
  const maxEntries = option?.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
    throw new KeygateError('invalid_options', 'keygate: `lastUsed.intervalMs` must be an integer of at least 1.');
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new KeygateError('invalid_options', 'keygate: `lastUsed.maxEntries` must be an integer of at least 1.');
  }
  return new LastUsedTracker({ ...context, intervalMs, maxEntries });
}
