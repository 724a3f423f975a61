import { availableParallelism } from 'node:os';
import { KeygateError } from '../errors.js';
import { guardListener } from '../events.js';
import { hmacSha256Hasher } from '../hashing/hmac.js';
import { KdfLimiter } from '../hashing/kdf-limiter.js';
import { scryptHasher } from '../hashing/scrypt.js';
import { assertPrefix } from '../key/format.js';
import { linkInvalidation } from '../lifecycle/invalidation.js';
import { createLastUsedTracker } from '../lifecycle/last-used.js';
import { KeyManager } from '../lifecycle/manager.js';
import { CheckedStore } from '../stores/checked.js';
import { FailureTracker } from '../verify/failures.js';
import { Verifier } from '../verify/verifier.js';
import { type Keygate, keygateInstance } from './instance.js';
import type { KeygateOptions } from './options.js';

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

  return keygateInstance(
    {
      keys,
      prefix,
      verify:
        tracker === undefined
          ? (key, options) => verifier.verify(key, options?.client)
          : (key, options) =>
              verifier.verify(key, options?.client).then((result) => {
                if (result.ok) tracker.touch(result.key);
                return result;
              }),
      evict: (id) => (id === undefined ? verifier.evictAll() : verifier.evict(id)),
      close: async () => {
        await tracker?.flush();
        await link.close();
      },
    },
    {
      peek:
        tracker === undefined
          ? (key, connection) => verifier.peek(key, now(), connection)
          : (key, connection) => {
              const at = now();
              const result = verifier.peek(key, at, connection);
              if (result?.ok) tracker.touch(result.key, at);
              return result;
            },
      emit: options.onEvent === undefined ? undefined : emit,
      now,
    },
  );
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
