// Shared test helpers for @keygate/core: the manual clock (clock.js), the counting store
// (counting-store.js) and a counting hasher around the real MemoryStore and hashers (they only
// count and, on request, hold calls; they never fake results), and setup(), a keygate over them.

import { expect } from 'vitest';
import { KeygateError, type KeygateErrorCode } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import type { Hasher } from '../../src/hashing/hasher.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { KdfLimiter } from '../../src/hashing/kdf-limiter.js';
import { encodeBase62 } from '../../src/key/base62.js';
import { crc32 } from '../../src/key/crc32.js';
import { KEY_CHECKSUM_LENGTH } from '../../src/key/format.js';
import type { ApiKey, KeyRecord } from '../../src/key/record.js';
import { toApiKey } from '../../src/key/view.js';
import { createKeygate } from '../../src/keygate/create.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import type { CreateKeyInput } from '../../src/lifecycle/input.js';
import { KeyManager } from '../../src/lifecycle/manager.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { manualClock } from './clock.js';
import { countingStore } from './counting-store.js';
import { makeRecord } from './records.js';

export { type ManualClock, manualClock, START } from './clock.js';
export { type CountingStore, countingStore } from './counting-store.js';

/** A frozen ApiKey as the verifier hands out: id `AAAAAAAAAAAA`, no scopes, every nullable field null unless given. */
export function apiKeyWith(overrides: Partial<KeyRecord> = {}): ApiKey {
  return toApiKey(makeRecord({ id: 'AAAAAAAAAAAA', scopes: [], ...overrides }));
}

/** A gate that holds callers until opened. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * Wraps a hasher and counts `hash` and `verify` calls, tracking how many run at once. While
 * `hold()` is in effect, calls wait (already counted as running) until the returned release is called.
 */
export function countingHasher(inner: Hasher = hmacSha256Hasher()) {
  const calls = { hash: 0, verify: 0 };
  const stats = { active: 0, peak: 0 };
  let held: Promise<void> | undefined;
  const waiters: Array<() => void> = [];
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    stats.active++;
    stats.peak = Math.max(stats.peak, stats.active);
    for (const wake of waiters.splice(0)) wake();
    try {
      if (held) await held;
      return await work();
    } finally {
      stats.active--;
    }
  };
  const hasher: Hasher = {
    algorithm: inner.algorithm,
    hash(secret) {
      calls.hash++;
      return track(() => inner.hash(secret));
    },
    verify(secret, stored) {
      calls.verify++;
      return track(() => inner.verify(secret, stored));
    },
    needsRehash: (stored) => inner.needsRehash(stored),
  };
  return {
    hasher,
    calls,
    stats,
    /** Holds every following call until the returned function is called. */
    hold(): () => void {
      const g = gate();
      held = g.opened;
      return () => {
        held = undefined;
        g.open();
      };
    },
    /** Resolves once `count` calls are running at once. */
    async running(count: number): Promise<void> {
      while (stats.active < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    reset() {
      calls.hash = 0;
      calls.verify = 0;
      stats.peak = stats.active;
    },
  };
}

/** Lets every pending promise chain run (a macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A well-formed key (correct checksum) with the given parts: for invented and tampered keys. */
export function keyFrom(prefix: string, id: string, secret: string): string {
  const body = `${prefix}_${id}_${secret}`;
  return body + encodeBase62(crc32(body), KEY_CHECKSUM_LENGTH);
}

/** Replaces the character at `index` by another base62 character. */
export function mutateAt(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

/** A deterministic pseudo-random generator (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A keygate over a counting MemoryStore and a counting HMAC hasher (fast), on a manual clock.
 * Creating keys counts too: call `reset()` after setting up keys to count only what follows.
 */
export function setup(options: Partial<KeygateOptions> = {}) {
  const clock = manualClock();
  // Without touchMany, as a store without batch writes: each last-used write is one counted update.
  const store = countingStore(new MemoryStore(), { touchMany: false });
  const hasher = countingHasher();
  const keygate = createKeygate({ store: store.store, hasher: hasher.hasher, now: clock.now, ...options });
  return {
    keygate,
    store,
    hasher,
    clock,
    createKey: (input: Partial<CreateKeyInput> = {}) =>
      keygate.keys.create({ name: 'test key', owner: 'acct_1', ...input }),
    /** Zeroes store and hasher counters (e.g. after creating keys). */
    reset() {
      store.reset();
      hasher.reset();
    },
  };
}

/** `setup()` with an `onEvent` that keeps every audit event in `events`, in order. */
export function withEvents(options: Partial<KeygateOptions> = {}) {
  const events: AuditEvent[] = [];
  return { ...setup({ onEvent: (event) => events.push(event), ...options }), events };
}

/**
 * A KeyManager on its own (no keygate around it) over a MemoryStore, on a manual clock, keeping
 * every key id it asks its `invalidate` callback to drop in `invalidated`.
 */
export function bareManager() {
  const invalidated: string[] = [];
  const keys = new KeyManager({
    store: new MemoryStore(),
    prefix: 'kg',
    hasher: hmacSha256Hasher(),
    kdf: new KdfLimiter({ maxConcurrent: 1, maxQueue: 10, maxQueuePerClient: 10, maxWaitMs: 1000 }),
    now: manualClock().now,
    invalidate: (id) => invalidated.push(id),
    maxGracePeriodMs: 7 * 86_400_000,
  });
  return { keys, invalidated };
}

/** Awaits a rejection and checks it is a KeygateError with this code; returns it for more checks. */
export async function expectKeygateError(promise: Promise<unknown>, code: KeygateErrorCode): Promise<KeygateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeygateError);
  expect((error as KeygateError).code).toBe(code);
  return error as KeygateError;
}
