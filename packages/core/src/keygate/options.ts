import type { AuditSink } from '../audit/sink.js';
import type { CreditOptions } from '../credits/options.js';
import type { AuditListener } from '../events.js';
import type { Hasher } from '../hashing/hasher.js';
import type { ExpiryOptions } from '../lifecycle/expiry-policy.js';
import type { CacheInvalidation } from '../lifecycle/invalidation.js';
import type { LastUsedOptions } from '../lifecycle/last-used.js';
import { optionNames } from '../options.js';
import type { KeyStore } from '../stores/store.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';

/**
 * Options of {@link createKeygate}. Only `store` is required. An invalid value throws KeygateError
 * `invalid_options`; an unknown name (here or in a nested object such as `cache`) is ignored and
 * reported once with `console.warn`, naming the closest known option.
 */
export interface KeygateOptions {
  /** Where key records live. */
  store: KeyStore;
  /** Prefix of new keys, e.g. `sk_live`. Default `kg`. */
  prefix?: string;
  /** Prefixes accepted at verification; must include `prefix`. Default: `[prefix]`. */
  acceptedPrefixes?: readonly string[];
  /**
   * Prefixes mapped to environments, e.g. `{ sk_live: 'live', sk_test: 'test' }`: every mapped
   * prefix is accepted at verification (besides `acceptedPrefixes`), a verified key carries the
   * `environment` of its prefix, and `keys.create({ environment })` picks the prefix. `prefix`
   * must be mapped. Names match `[a-z][a-z0-9_-]{0,31}`. Default: none (keys' `environment` is null).
   */
  environments?: { readonly [prefix: string]: string };
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
   * Stores audit events where they can be queried (e.g. `PostgresAuditSink` of `@keygate/core/postgres`,
   * `RedisAuditSink` of `@keygate/core/redis`): it gets every event `onEvent` gets, off the request
   * path; the management routes answer `GET /keys/:id/events` from it; `close()` closes it. Default: none.
   */
  audit?: AuditSink;
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
   * The key lifetime policy, applied by `keys.create`, `keys.update` and `keys.rotate`: `required`,
   * every key must expire; `maxMs`, no key may expire later than this from now (so every key
   * expires); `defaultMs`, the expiry of a key created without one (at most `maxMs`). A refusal is
   * `invalid_input` on `expiresAt`, naming the policy. A rotation's replacement gets the old
   * expiry brought within the policy. Defaults: not required, no max, no default.
   */
  expiry?: ExpiryOptions;
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
  /**
   * How routes that cost credits (`requireCredits`) spend the allowances of `keygate.credits`:
   * `lowThreshold` for `credits_low` events, `whenMissing` for requests with no allowance.
   * Default `{ lowThreshold: 0, whenMissing: 'allow' }`.
   */
  credits?: CreditOptions;
  /**
   * Metrics and traces of authentication, hashing, rate limiting and credits, e.g.
   * `openTelemetry()` of `@keygate/core/otel` (see {@link KeygateTelemetry}). Default: none,
   * and then nothing of it runs.
   */
  telemetry?: KeygateTelemetry;
}

/** Every option name of {@link KeygateOptions}, for the unknown-option warning. */
export const KEYGATE_OPTION_NAMES = optionNames<KeygateOptions>({
  store: true,
  prefix: true,
  acceptedPrefixes: true,
  environments: true,
  hasher: true,
  legacyHashers: true,
  cache: true,
  failures: true,
  kdf: true,
  onRehashError: true,
  now: true,
  onEvent: true,
  audit: true,
  maxKeysPerOwner: true,
  maxGracePeriodMs: true,
  expiry: true,
  lastUsed: true,
  invalidation: true,
  onError: true,
  credits: true,
  telemetry: true,
});
/** Option names of `cache`. */
export const CACHE_OPTION_NAMES = optionNames<Exclude<KeygateOptions['cache'], false | undefined>>({
  max: true,
  ttlMs: true,
  connections: true,
});
/** Option names of `failures`. */
export const FAILURES_OPTION_NAMES = optionNames<NonNullable<KeygateOptions['failures']>>({
  rememberMs: true,
  maxPerId: true,
  windowMs: true,
  maxEntries: true,
});
/** Option names of `kdf`. */
export const KDF_OPTION_NAMES = optionNames<NonNullable<KeygateOptions['kdf']>>({
  maxConcurrent: true,
  maxQueue: true,
  maxQueuePerClient: true,
  maxWaitMs: true,
});
