// Last-used tracking: at most one `lastUsedAt` write per key per interval, off the request path,
// written in batches.
import type { ApiKey } from '../key/record.js';
import { type OptionChecks, optionNames } from '../options.js';
import type { KeyStore, LastUsedUpdate } from '../stores/store.js';

/** What a {@link LastUsedTracker} needs, resolved once by createKeygate. */
export interface LastUsedConfig {
  readonly store: KeyStore;
  /** Least time between two writes for one key, in ms. */
  readonly intervalMs: number;
  /** Most keys remembered per interval; past it the older half is forgotten early (and written again when used). */
  readonly maxEntries: number;
  readonly now: () => number;
  /** Receives failed writes; never given a key. */
  readonly onError: (error: unknown) => void;
}

/**
 * Records that keys were used. `touch` costs one map lookup when the key was written within the
 * interval, and never waits for the store: due writes gather until the event loop's next check
 * phase, after every I/O event ready in this turn, and go out together, so a busy instance sends one
 * store call for many keys (`touchMany` when the store has it). Keys written in the current and the
 * previous interval are remembered, two maps that swap every interval: no scan, whatever the
 * number of keys. Times are kept as ms since the tracker started: small integers, which V8 stores
 * in the map without allocating (for the first 12 days; later ones still work, at a few bytes more).
 */
export class LastUsedTracker {
  readonly #config: LastUsedConfig;
  readonly #base: number;
  #current = new Map<string, number>();
  #previous = new Map<string, number>();
  #since = Number.NEGATIVE_INFINITY;
  // Due writes: key id → [owner, time].
  #pending = new Map<string, readonly [string, number]>();
  readonly #writing = new Set<Promise<void>>();
  #scheduled = false;

  constructor(config: LastUsedConfig) {
    this.#config = config;
    this.#base = config.now();
  }

  /** Notes one use of `key` at `at` (default: now); a write is due when none was made for it within the interval. */
  touch(key: ApiKey, at: number = this.#config.now()): void {
    const { intervalMs, maxEntries } = this.#config;
    if (at - this.#since >= intervalMs) this.#rotate(at);
    if (this.#current.has(key.id)) return;
    if (this.#current.size >= maxEntries) this.#rotate(at);
    const since = at - this.#base;
    const before = this.#previous.get(key.id);
    if (before !== undefined && since - before < intervalMs) {
      this.#current.set(key.id, before);
      return;
    }
    this.#current.set(key.id, since);
    this.#pending.set(key.id, [key.owner, at]);
    this.#schedule();
  }

  /** Writes what is due now and resolves once every write started so far has settled. */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) this.#write();
    await Promise.all(this.#writing);
  }

  #rotate(at: number): void {
    this.#previous = this.#current;
    this.#current = new Map();
    this.#since = at;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#pending.size > 0) this.#write();
    });
  }

  // One store call for everything due.
  #write(): void {
    const updates: LastUsedUpdate[] = [];
    for (const [id, [owner, at]] of this.#pending) updates.push({ id, owner, lastUsedAt: new Date(at) });
    this.#pending = new Map();
    const { store, onError } = this.#config;
    const writing: Promise<void> = Promise.resolve()
      .then(() => (store.touchMany ? store.touchMany(updates) : eachUpdate(store, updates)))
      .catch(onError)
      .finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
  }
}

// A store without touchMany: one update per key, each failure reported alone.
async function eachUpdate(store: KeyStore, updates: readonly LastUsedUpdate[]): Promise<void> {
  const results = await Promise.allSettled(updates.map(({ id, lastUsedAt }) => store.update(id, { lastUsedAt })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * The `lastUsed` option of createKeygate: `false` turns last-used tracking off. `intervalMs`: least
 * time between two `lastUsedAt` writes for one key, in ms (default 60 000). `maxEntries`: most keys
 * remembered per interval; past it the older half is forgotten early, and written again when used
 * (default 100 000).
 */
export type LastUsedOptions = false | { intervalMs?: number; maxEntries?: number };

const LAST_USED_OPTION_NAMES = optionNames<Exclude<LastUsedOptions, false>>({ intervalMs: true, maxEntries: true });

/**
 * Validates the `lastUsed` option with createKeygate's `check` (throws `invalid_options`, warns
 * about unknown names); undefined when tracking is off.
 */
export function createLastUsedTracker(
  option: LastUsedOptions | undefined,
  context: Omit<LastUsedConfig, 'intervalMs' | 'maxEntries'>,
  check: OptionChecks,
): LastUsedTracker | undefined {
  if (option === false) return undefined;
  const given =
    option === undefined
      ? {}
      : check.object<Exclude<LastUsedOptions, false>>('lastUsed', option, LAST_USED_OPTION_NAMES);
  const intervalMs = check.integer('lastUsed.intervalMs', given.intervalMs, { min: 1, default: 60_000 });
  const maxEntries = check.integer('lastUsed.maxEntries', given.maxEntries, { min: 1, default: 100_000 });
  return new LastUsedTracker({ ...context, intervalMs, maxEntries });
}
