import { type Hasher, hashAlgorithm } from '../hashing/hasher.js';
import { KdfBusyError, type KdfLimiter } from '../hashing/kdf-limiter.js';
import { keyDigest } from '../key/digest.js';
import { MAX_KEY_LENGTH, parseKey } from '../key/format.js';
import type { ApiKey, KeyRecord } from '../key/record.js';
import { type EnvironmentMap, toApiKey } from '../key/view.js';
import type { KeyStore } from '../stores/store.js';
import { CachedResult, VerifiedCache, type VerifiedResult } from './cache.js';
import { hasherFor } from './confirm.js';
import { ConnectionMemo } from './connection-memo.js';
import type { FailureTracker } from './failures.js';

/**
 * Why a presented key was not accepted. `disabled`: the key is disabled (`keys.disable`) until
 * enabled again. `busy`: too many verifications in flight, try again shortly.
 */
export type VerifyFailureReason = 'malformed' | 'invalid' | 'expired' | 'revoked' | 'disabled' | 'busy';

/** The outcome of verifying a key: its public metadata, or a typed failure (with the key id once known). */
export type VerifyResult =
  | { readonly ok: true; readonly key: ApiKey }
  | {
      readonly ok: false;
      readonly reason: VerifyFailureReason;
      readonly keyId?: string;
      readonly retryAfterMs?: number;
    };

/** What a {@link Verifier} needs, resolved once by createKeygate. */
export interface VerifierConfig {
  readonly store: KeyStore;
  readonly prefixes: ReadonlySet<string>;
  /** Prefixes mapped to environments, giving verified keys their `environment`. Default: none. */
  readonly environments?: EnvironmentMap | undefined;
  readonly hasher: Hasher;
  readonly hashers: readonly Hasher[];
  /** `connections`: remember per connection the digest of the key it presented last (see ConnectionMemo). */
  readonly cache: { readonly max: number; readonly ttlMs: number; readonly connections: boolean };
  readonly failures: FailureTracker;
  readonly kdf: KdfLimiter;
  readonly now: () => number;
  /** Called when a stored hash could not be upgraded to the current hasher; never sees the key. */
  readonly onRehashError: (error: unknown) => void;
}

/**
 * Checks presented keys: parse, checksum, lookup by id, revocation, disabling and expiry, then a constant-time
 * hash check. Valid keys are cached by digest for `cache.ttlMs`; concurrent checks of one key share
 * one hash. Past its TTL a cached key is checked against the store again (revocation, expiry and
 * every change apply), but hashed again only if its stored hash changed: a key in steady use pays
 * the KDF once.
 */
export class Verifier {
  readonly #config: VerifierConfig;
  // digest of a valid key → its (frozen) success result and the hash it matched.
  readonly #cache: VerifiedCache;
  readonly #inflight = new Map<string, Promise<VerifyResult>>();
  readonly #connections: ConnectionMemo | undefined;
  // Bumped by every eviction: a verification that started before one does not cache its result.
  #epoch = 0;

  constructor(config: VerifierConfig) {
    this.#config = config;
    this.#cache = new VerifiedCache(config.cache.max);
    const { max, ttlMs, connections } = config.cache;
    this.#connections = connections && max > 0 && ttlMs > 0 ? new ConnectionMemo() : undefined;
  }

  /**
   * The cached outcome for a key verified recently, without any I/O; undefined when not cached.
   * `now` (default: the configured clock) lets a caller that already read the clock share it.
   * `connection` (e.g. the request's socket): a key this connection presented with success last
   * time is looked up without hashing it again.
   */
  peek(presented: string, now: number = this.#config.now(), connection?: object): VerifyResult | undefined {
    if (typeof presented !== 'string' || presented.length > MAX_KEY_LENGTH) return undefined;
    const memo = this.#connections;
    if (memo === undefined || typeof connection !== 'object' || connection === null) {
      return this.#lookup(keyDigest(presented), now);
    }
    const recalled = memo.recall(connection, presented);
    if (recalled !== undefined) {
      const result = this.#lookup(recalled, now);
      if (result?.ok !== true) memo.forget(connection);
      return result;
    }
    const digest = keyDigest(presented);
    const result = this.#lookup(digest, now);
    if (result?.ok === true) memo.remember(connection, presented, digest);
    return result;
  }

  /**
   * Verifies a presented key. Never throws for bad input; store errors propagate. `client` (e.g.
   * the client's address, see clientSubject) shares hashing fairly between clients and throttles a
   * client's wrong secrets for an id without throttling anyone else's.
   */
  verify(presented: string, client?: string): Promise<VerifyResult> {
    if (typeof presented !== 'string' || presented.length > MAX_KEY_LENGTH) return Promise.resolve(MALFORMED);
    const digest = keyDigest(presented);
    const cached = this.#lookup(digest, this.#config.now());
    if (cached !== undefined) return Promise.resolve(cached);
    const shared = this.#inflight.get(digest);
    if (shared !== undefined) return shared;
    const pending: Promise<VerifyResult> = this.#verifyUncached(presented, digest, client).finally(() => {
      if (this.#inflight.get(digest) === pending) this.#inflight.delete(digest);
    });
    this.#inflight.set(digest, pending);
    return pending;
  }

  /** Drops a key id from the cache at once (after revocation, rotation or any change to it). */
  evict(id: string): void {
    this.#epoch++;
    // Verifications begun before this point read the key as it was: later ones must not join them.
    this.#inflight.clear();
    this.#cache.deleteId(id);
  }

  /** Drops every cached key (e.g. when cross-instance invalidation may have been missed). */
  evictAll(): void {
    this.#epoch++;
    this.#inflight.clear();
    this.#cache.clear();
  }

  // A fresh cache hit: the stored success, or `expired` once the key's own expiry has passed.
  #lookup(digest: string, now: number): VerifyResult | undefined {
    const hit = this.#cache.get(digest);
    if (hit === undefined || !hit.isFresh(now)) return undefined;
    const { expiresAt, id } = hit.key;
    if (expiresAt !== null && expiresAt.getTime() <= now) {
      this.#cache.delete(digest);
      return { ok: false, reason: 'expired', keyId: id };
    }
    return hit;
  }

  async #verifyUncached(presented: string, digest: string, client: string | undefined): Promise<VerifyResult> {
    const { store, prefixes, failures, now } = this.#config;
    const parsed = parseKey(presented);
    if (!parsed.ok) return parsed.error === 'malformed' ? MALFORMED : INVALID;
    const { prefix, id, secret } = parsed.key;
    if (!prefixes.has(prefix) || failures.isKnownFailure(digest)) return INVALID;

    const epoch = this.#epoch;
    const record = await store.findById(id);
    if (record === null || record.prefix !== prefix) {
      failures.rememberFailure(digest);
      return INVALID;
    }
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked', keyId: id };
    if (record.disabledAt !== null) return { ok: false, reason: 'disabled', keyId: id };
    if (record.expiresAt !== null && record.expiresAt.getTime() <= now())
      return { ok: false, reason: 'expired', keyId: id };

    // Verified against this very hash before: the same key (same digest) matches it still.
    const known = this.#cache.get(digest);
    if (known !== undefined && known.key.id === id && known.sameHash(record.hash)) {
      return this.#accepted(record, digest, epoch);
    }

    const who = client ?? '';
    const throttledMs = failures.throttledFor(id, who);
    if (throttledMs > 0) return { ok: false, reason: 'busy', keyId: id, retryAfterMs: throttledMs };

    let matches: boolean;
    // Counted against the id while in flight, so concurrent wrong secrets cannot outrun maxPerId.
    failures.startHash(id, who);
    try {
      const hasher = hasherFor(this.#config, record.hash);
      matches = await this.#config.kdf.run(() => hasher.verify(secret, record.hash), client);
    } catch (error) {
      if (error instanceof KdfBusyError) return { ok: false, reason: 'busy', keyId: id, retryAfterMs: 1000 };
      throw error;
    } finally {
      failures.endHash(id, who);
    }
    if (!matches) {
      failures.recordHashFailure(id, who, digest);
      return { ok: false, reason: 'invalid', keyId: id };
    }

    this.#rehashIfStale(record, secret);
    return this.#accepted(record, digest, epoch);
  }

  // A valid key's result, cached unless an eviction happened since its record was read.
  #accepted(record: KeyRecord, digest: string, epoch: number): VerifiedResult {
    const now = this.#config.now();
    // A key that expires before the TTL is cached only until it expires.
    const expiresAt = record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const freshUntil = Math.min(now + this.#config.cache.ttlMs, expiresAt);
    const result = new CachedResult(toApiKey(record, this.#config.environments), record.hash, freshUntil);
    if (epoch === this.#epoch && freshUntil > now) this.#cache.set(digest, result);
    return result;
  }

  #rehashIfStale(record: KeyRecord, secret: string): void {
    const { hasher, store, kdf, onRehashError } = this.#config;
    if (hashAlgorithm(record.hash) === hasher.algorithm && !hasher.needsRehash(record.hash)) return;
    kdf
      .run(() => hasher.hash(secret))
      .then((hash) => store.update(record.id, { hash }))
      .catch((error: unknown) => {
        if (!(error instanceof KdfBusyError)) onRehashError(error);
      });
  }
}

export type { VerifiedResult } from './cache.js';

const MALFORMED: VerifyResult = Object.freeze({ ok: false, reason: 'malformed' });
const INVALID: VerifyResult = Object.freeze({ ok: false, reason: 'invalid' });
