import { availableParallelism } from 'node:os';
import { KeygateError } from './errors.js';
import { FailureTracker } from './failure-tracker.js';
import type { Hasher } from './hash.js';
import { scryptHasher } from './hash-scrypt.js';
import { KdfLimiter } from './kdf-limiter.js';
import { assertPrefix } from './key-format.js';
import { KeyManager } from './manager.js';
import type { KeyStore } from './store.js';
import { Verifier, type VerifyResult } from './verify.js';

/** Options of {@link createKeygate}. Only `store` is required. */
export interface KeygateOptions {
  /** Where key records live. */
  store: KeyStore;
  /** Prefix of new keys, e.g. `sk_live`. Default `kg`. */
  prefix?: string;
  /** Prefixes accepted at verification. Default: `[prefix]`. */
  acceptedPrefixes?: readonly string[];
  /** Hashes new secrets. Default `scryptHasher()`. */
  hasher?: Hasher;
  /** Further hashers able to verify older stored hashes (e.g. after switching algorithm). Default none. */
  legacyHashers?: readonly Hasher[];
  /** The verified-key cache; `false` turns it off. Default `{ max: 10_000, ttlMs: 60_000 }`. */
  cache?: false | { max?: number; ttlMs?: number };
  /** Bounds on hashing caused by wrong keys. Defaults: `{ rememberMs: 60_000, maxPerId: 10, windowMs: 60_000, maxEntries: 10_000 }`. */
  failures?: { rememberMs?: number; maxPerId?: number; windowMs?: number; maxEntries?: number };
  /** Bounds on concurrent hashing. Defaults: `{ maxConcurrent: os.availableParallelism(), maxQueue: 100 }`. */
  kdf?: { maxConcurrent?: number; maxQueue?: number };
  /** Called when a stale stored hash could not be upgraded. Default: ignore. */
  onRehashError?: (error: unknown) => void;
  /** Clock in ms since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
}

/** A configured keygate instance: verification plus key management over one store. */
export interface Keygate {
  /** Creates, lists and revokes keys. */
  readonly keys: KeyManager;
  /** The prefix new keys get. */
  readonly prefix: string;
  /** Verifies a presented key (see {@link Verifier.verify}). */
  verify(key: string): Promise<VerifyResult>;
  /** The cached outcome for a recently verified key, with no I/O; undefined when not cached. */
  peek(key: string): VerifyResult | undefined;
  /** Drops one key id (or, without an id, every key) from this instance's verified-key cache. */
  evict(id?: string): void;
}

/** Creates a keygate instance. Options are validated and resolved once; invalid ones throw `invalid_options`. */
export function createKeygate(options: KeygateOptions): Keygate {
  if (typeof options !== 'object' || options === null) fail('createKeygate() takes an options object.');
  const { store } = options;
  if (!store || typeof store.findById !== 'function' || typeof store.create !== 'function') {
    fail('`store` is required and must implement KeyStore (e.g. new MemoryStore()).');
  }
  const prefix = options.prefix ?? 'kg';
  assertPrefix(prefix);
  const accepted = options.acceptedPrefixes ?? [prefix];
  for (const p of accepted) assertPrefix(p);
  const hasher = options.hasher ?? scryptHasher();
  const now = options.now ?? Date.now;
  const cache = options.cache === false ? { max: 0, ttlMs: 0 } : options.cache;
  const failures = options.failures ?? {};
  const kdf = options.kdf ?? {};

  const verifier = new Verifier({
    store,
    prefixes: new Set(accepted),
    hasher,
    hashers: [hasher, ...(options.legacyHashers ?? [])],
    cache: Object.freeze({
      max: count('cache.max', cache?.max ?? 10_000, 0),
      ttlMs: count('cache.ttlMs', cache?.ttlMs ?? 60_000, 0),
    }),
    failures: new FailureTracker(
      Object.freeze({
        rememberMs: count('failures.rememberMs', failures.rememberMs ?? 60_000, 0),
        maxPerId: count('failures.maxPerId', failures.maxPerId ?? 10, 1),
        windowMs: count('failures.windowMs', failures.windowMs ?? 60_000, 1),
        maxEntries: count('failures.maxEntries', failures.maxEntries ?? 10_000, 1),
      }),
      now,
    ),
    kdf: new KdfLimiter(
      count('kdf.maxConcurrent', kdf.maxConcurrent ?? availableParallelism(), 1),
      count('kdf.maxQueue', kdf.maxQueue ?? 100, 0),
    ),
    now,
    onRehashError: options.onRehashError ?? (() => {}),
  });
  const keys = new KeyManager({ store, prefix, hasher, now, invalidate: (id) => verifier.evict(id) });

  return Object.freeze({
    keys,
    prefix,
    verify: (key: string) => verifier.verify(key),
    peek: (key: string) => verifier.peek(key),
    evict: (id?: string) => (id === undefined ? verifier.evictAll() : verifier.evict(id)),
  });
}

function count(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(
      `\`${name}\` must be an integer of at least ${min} (received ${typeof value === 'number' ? value : typeof value}).`,
    );
  }
  return value;
}

function fail(message: string): never {
  throw new KeygateError('invalid_options', `keygate: ${message}`);
}
