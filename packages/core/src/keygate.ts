import { availableParallelism } from 'node:os';
import { CheckedStore } from './checked-store.js';
import { KeygateError } from './errors.js';
import { type AuditListener, guardListener } from './events.js';
import { FailureTracker } from './failure-tracker.js';
import type { Hasher } from './hash.js';
import { hmacSha256Hasher } from './hash-hmac.js';
import { scryptHasher } from './hash-scrypt.js';
import { type CacheInvalidation, linkInvalidation } from './invalidation.js';
import { KdfLimiter } from './kdf-limiter.js';
import { assertPrefix } from './key-format.js';
import { createLastUsedTracker, type LastUsedOptions } from './last-used.js';
import { KeyManager } from './manager.js';
import type { KeyStore } from './store.js';
import { Verifier, type VerifyResult } from './verify.js';

/** Options of {@link createKeygate}. Only `store` is required. */
export interface KeygateOptions {
  /** Where key records live. */
  store: KeyStore;
  /** Prefix of new keys, e.g. `sk_live`. Default `kg`. */
  prefix?: string;
  /** Prefixes accepted at verification; must include `prefix`. Default: `[prefix]`. */
  acceptedPrefixes?: readonly string[];
  /**
   * Hashes new secrets. Default `hmacSha256Hasher()`: a key's 256-bit random secret needs no slow
   * KDF (see docs/security.md); pass `scryptHasher()` for one anyway.
   */
  hasher?: Hasher;
  /**
   * Further hashers able to verify older stored hashes (e.g. after switching algorithm); a key
   * verified with one is re-hashed with `hasher`. Default `[scryptHasher()]` with the default hasher, else none.
   */
  legacyHashers?: readonly Hasher[];
  /**
   * The verified-key cache; `false` turns it off. `connections`: remember per client connection the
   * digest of the key it last presented with success, so keep-alive requests skip SHA-256 (the key
   * then stays in memory while its connection is open). Default `{ max: 100_000, ttlMs: 60_000, connections: true }`:
   * a cached key takes under 600 bytes, and one past its TTL is re-read from the store but not hashed again.
   */
  cache?: false | { max?: number; ttlMs?: number; connections?: boolean };
  /**
   * Bounds on hashing caused by wrong keys: a failed key is remembered for `rememberMs`, and a
   * client may have `maxPerId` failed secrets per key id per `windowMs`. Defaults:
   * `{ rememberMs: 60_000, maxPerId: 10, windowMs: 60_000, maxEntries: 10_000 }`.
   */
  failures?: { rememberMs?: number; maxPerId?: number; windowMs?: number; maxEntries?: number };
  /**
   * Bounds on hashing (verification, creation, rotation), shared fairly between clients: at most
   * `maxConcurrent` at once; waiting, at most `maxQueue` in all and `maxQueuePerClient` per client,
   * each for at most `maxWaitMs` (then "busy", 503). Defaults: `{ maxConcurrent:
   * os.availableParallelism(), maxQueue: 1000, maxQueuePerClient: 100, maxWaitMs: 1000 }`.
   */
  kdf?: { maxConcurrent?: number; maxQueue?: number; maxQueuePerClient?: number; maxWaitMs?: number };
  /** Called when a stale stored hash could not be upgraded. Default: ignore. */
  onRehashError?: (error: unknown) => void;
  /** Clock in ms since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
  /** Receives audit events (key created, updated, revoked, rotated…); a throw is caught and logged. Default: none. */
  onEvent?: AuditListener;
  /**
   * Most active (neither revoked nor expired) keys one owner may hold; `keys.create` beyond it
   * throws `limit_exceeded`. Keys in a rotation grace period count: a rotation with a grace period
   * may take the owner to the cap plus one, no further (one without a grace period is never refused).
   * Default: no cap.
   */
  maxKeysPerOwner?: number;
  /** Longest grace period `keys.rotate` may give the old key, in ms. Default 7 days. */
  maxGracePeriodMs?: number;
  /**
   * Records `lastUsedAt` on successful verifications (cache hits included) with at most one store
   * write per key per `intervalMs`, in the background and in batches (`touchMany` where the store
   * has it): a slow or failing store never delays a request (failures go to `onError`).
   * `maxEntries` bounds the keys remembered per interval. `false` turns it off.
   * Default `{ intervalMs: 60_000, maxEntries: 100_000 }`.
   */
  lastUsed?: LastUsedOptions;
  /**
   * Cross-instance cache invalidation (e.g. `RedisInvalidationBus` of `@keygate/core/redis`): every
   * change made through `keys` publishes the key id and every subscribed instance drops it from its
   * cache. Without it, other instances see a revocation once their cache entry expires. Default: none.
   */
  invalidation?: CacheInvalidation;
  /** Receives background failures: last-used writes and invalidation publishing. Never given a key. Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** A configured keygate instance: verification plus key management over one store. */
export interface Keygate {
  /** The key lifecycle: create, get, list, update, rotate, revoke. */
  readonly keys: KeyManager;
  /** The prefix new keys get. */
  readonly prefix: string;
  /**
   * Verifies a presented key (see {@link Verifier.verify}). `client` (adapters pass the client's
   * address, see clientSubject) shares hashing fairly and keeps one client's wrong secrets from
   * throttling another. Without one, the verification is the application's own work: it waits
   * for a hashing slot without a bound or deadline.
   */
  verify(key: string, options?: { client?: string | undefined }): Promise<VerifyResult>;
  /**
   * The cached outcome for a recently verified key, without waiting on I/O (a due `lastUsedAt` write
   * starts in the background); undefined when not cached. `connection`: an object living as long as
   * the client's connection (adapters pass the socket), which lets a repeated key skip its digest.
   */
  peek(key: string, connection?: object): VerifyResult | undefined;
  /** Drops one key id (or, without an id, every key) from this instance's verified-key cache (this instance only). */
  evict(id?: string): void;
  /** Writes the last-used times still due, and stops listening to the `invalidation` bus (its clients stay open: they are the caller's). */
  close(): Promise<void>;
  /**
   * For adapters: delivers an audit event to `onEvent` (a throw is caught and logged). Undefined
   * when no `onEvent` is configured, so request events need not even be built.
   */
  readonly emit?: AuditListener | undefined;
  /** The clock of this instance (the `now` option), for adapters' event times. */
  readonly now: () => number;
}

/** Default longest rotation grace period: 7 days. */
export const DEFAULT_MAX_GRACE_MS = 7 * 86_400_000;
// Ten years: longer is no grace period, and it keeps every computed instant a valid Date.
const LONGEST_GRACE_MS = 10 * 366 * 86_400_000;

/** Creates a keygate instance. Options are validated and resolved once; invalid ones throw `invalid_options`. */
export function createKeygate(options: KeygateOptions): Keygate {
  if (typeof options !== 'object' || options === null) fail('createKeygate() takes an options object.');
  const { store: given } = options;
  if (!given || typeof given.findById !== 'function' || typeof given.create !== 'function') {
    fail('`store` is required and must implement KeyStore (e.g. new MemoryStore()).');
  }
  // Every record read from the store is checked once, there: odd data fails closed (record-check.ts).
  const store = new CheckedStore(given);
  const prefix = options.prefix ?? 'kg';
  assertPrefix(prefix);
  const accepted = options.acceptedPrefixes ?? [prefix];
  if (!Array.isArray(accepted)) fail('`acceptedPrefixes` must be an array of prefixes, e.g. ["sk_live", "sk_old"].');
  for (const p of accepted) assertPrefix(p);
  if (!accepted.includes(prefix)) {
    fail(`\`acceptedPrefixes\` must include \`prefix\` ("${prefix}"): keys this instance creates would never verify.`);
  }
  const hasher = options.hasher ?? hmacSha256Hasher();
  const legacyHashers = options.legacyHashers ?? (options.hasher === undefined ? [scryptHasher()] : []);
  const now = options.now ?? Date.now;
  const cache = options.cache === false ? { max: 0, ttlMs: 0 } : options.cache;
  const failures = options.failures ?? {};
  const kdf = options.kdf ?? {};

  const kdfLimiter = new KdfLimiter(
    Object.freeze({
      maxConcurrent: count('kdf.maxConcurrent', kdf.maxConcurrent ?? availableParallelism(), 1),
      maxQueue: count('kdf.maxQueue', kdf.maxQueue ?? 1000, 0),
      maxQueuePerClient: count('kdf.maxQueuePerClient', kdf.maxQueuePerClient ?? 100, 0),
      maxWaitMs: count('kdf.maxWaitMs', kdf.maxWaitMs ?? 1000, 1),
    }),
  );
  const verifier = new Verifier({
    store,
    prefixes: new Set(accepted),
    hasher,
    hashers: [hasher, ...legacyHashers],
    cache: Object.freeze({
      max: count('cache.max', cache?.max ?? 100_000, 0),
      ttlMs: count('cache.ttlMs', cache?.ttlMs ?? 60_000, 0),
      connections: flag('cache.connections', cache?.connections ?? true),
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
    kdf: kdfLimiter,
    now,
    onRehashError: options.onRehashError ?? (() => {}),
  });
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') fail('`onEvent` must be a function.');
  const emit = guardListener(options.onEvent);
  const maxKeysPerOwner =
    options.maxKeysPerOwner === undefined ? undefined : count('maxKeysPerOwner', options.maxKeysPerOwner, 1);
  const maxGracePeriodMs = count('maxGracePeriodMs', options.maxGracePeriodMs ?? DEFAULT_MAX_GRACE_MS, 0);
  if (maxGracePeriodMs > LONGEST_GRACE_MS)
    fail(`\`maxGracePeriodMs\` must be at most ${LONGEST_GRACE_MS} (ten years).`);
  if (options.onError !== undefined && typeof options.onError !== 'function') fail('`onError` must be a function.');
  const onError = options.onError ?? ((error: unknown) => console.error('keygate: a background task failed', error));
  const tracker = createLastUsedTracker(options.lastUsed, { store, now, onError });
  const link = linkInvalidation(
    options.invalidation,
    { evict: (id) => verifier.evict(id), evictAll: () => verifier.evictAll() },
    onError,
  );
  const keys = new KeyManager({
    store,
    prefix,
    hasher,
    kdf: kdfLimiter,
    now,
    invalidate: (id) => {
      verifier.evict(id);
      link.publish(id);
    },
    emit,
    maxKeysPerOwner,
    maxGracePeriodMs,
  });

  return Object.freeze({
    keys,
    prefix,
    verify:
      tracker === undefined
        ? (key: string, options?: { client?: string | undefined }) => verifier.verify(key, options?.client)
        : (key: string, options?: { client?: string | undefined }) =>
            verifier.verify(key, options?.client).then((result) => {
              if (result.ok) tracker.touch(result.key);
              return result;
            }),
    peek:
      tracker === undefined
        ? (key: string, connection?: object) => verifier.peek(key, now(), connection)
        : (key: string, connection?: object) => {
            const at = now();
            const result = verifier.peek(key, at, connection);
            if (result?.ok) tracker.touch(result.key, at);
            return result;
          },
    evict: (id?: string) => (id === undefined ? verifier.evictAll() : verifier.evict(id)),
    close: async () => {
      await tracker?.flush();
      await link.close();
    },
    emit: options.onEvent === undefined ? undefined : emit,
    now,
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

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(`\`${name}\` must be a boolean (received ${typeof value}).`);
  return value;
}

function fail(message: string): never {
  throw new KeygateError('invalid_options', `keygate: ${message}`);
}
