// Last-used tracking: at most one `lastUsedAt` write per key per interval, off the request path.
import { KeygateError } from './errors.js';
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
 * to run, its failure reported to `onError`. The time of each key's last write lives in a plain
 * map updated in place (one lookup per request); past `maxEntries` it drops the entries whose
 * interval has run out, then the oldest.
 */
export class LastUsedTracker {
  readonly #config: LastUsedConfig;
  readonly #writtenAt = new Map<string, number>();

  constructor(config: LastUsedConfig) {
    this.#config = config;
  }

  /** Notes one use of `key` at `at` (default: now); starts a store write when none was started for it within the interval. */
  touch(key: ApiKey, at: number = this.#config.now()): void {
    const { store, intervalMs, onError } = this.#config;
    const last = this.#writtenAt.get(key.id);
    if (last !== undefined && at - last < intervalMs) return;
    // Marked before writing: concurrent requests (and a failing store) still cost one write per interval.
    if (last === undefined && this.#writtenAt.size >= this.#config.maxEntries) this.#prune(at);
    this.#writtenAt.set(key.id, at);
    Promise.resolve()
      .then(() => store.update(key.id, { lastUsedAt: new Date(at) }))
      .catch(onError);
  }

  // Forgets keys whose interval has run out (they would be written anyway), then the oldest ones.
  #prune(at: number): void {
    const { intervalMs, maxEntries } = this.#config;
    for (const [id, written] of this.#writtenAt) if (at - written >= intervalMs) this.#writtenAt.delete(id);
    for (const id of this.#writtenAt.keys()) {
      if (this.#writtenAt.size < maxEntries) break;
      this.#writtenAt.delete(id);
    }
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
