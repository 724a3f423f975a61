import { availableParallelism } from 'node:os';
import { resolveAuditOption, withAuditSink } from '../audit/option.js';
import { CreditManager } from '../credits/manager.js';
import { resolveLedger } from '../credits/options.js';
import { guardListener } from '../events.js';
import type { Hasher } from '../hashing/hasher.js';
import { hmacSha256Hasher } from '../hashing/hmac.js';
import { KdfLimiter } from '../hashing/kdf-limiter.js';
import { scryptHasher } from '../hashing/scrypt.js';
import { ENVIRONMENT_NAME_RULE, isEnvironmentName } from '../key/environment.js';
import { assertPrefix } from '../key/format.js';
import { toApiKey } from '../key/view.js';
import { resolveExpiryPolicy } from '../lifecycle/expiry-policy.js';
import { linkInvalidation } from '../lifecycle/invalidation.js';
import { createLastUsedTracker } from '../lifecycle/last-used.js';
import { KeyManager } from '../lifecycle/manager.js';
import { type OptionChecks, optionChecks } from '../options.js';
import { CheckedStore } from '../stores/checked.js';
import { guardTelemetry, isTelemetry, type KeygateTelemetry } from '../telemetry/telemetry.js';
import { confirmKey } from '../verify/confirm.js';
import { FailureTracker } from '../verify/failures.js';
import { Verifier } from '../verify/verifier.js';
import { type Keygate, keygateInstance } from './instance.js';
import {
  CACHE_OPTION_NAMES,
  FAILURES_OPTION_NAMES,
  KDF_OPTION_NAMES,
  KEYGATE_OPTION_NAMES,
  type KeygateOptions,
} from './options.js';

/** Default longest rotation grace period: 7 days. */
export const DEFAULT_MAX_GRACE_MS = 7 * 86_400_000;
// Ten years: longer is no grace period, and it keeps every computed instant a valid Date.
const LONGEST_GRACE_MS = 10 * 366 * 86_400_000;

const check: OptionChecks = optionChecks('createKeygate()');

type CacheOptions = Exclude<KeygateOptions['cache'], false | undefined>;

/**
 * Creates a keygate instance. Options are validated and resolved once: an invalid value throws
 * `invalid_options` naming the option; an unknown option name (e.g. `maxKeyPerOwner`) is ignored
 * and reported once with `console.warn`, with the closest known name.
 *
 * Create one instance per process and hand it to the adapters: it owns the store, the hasher and
 * the verified-key cache.
 *
 * @example
 * ```ts
 * import { createKeygate, MemoryStore } from '@keygate/core';
 *
 * const keygate = createKeygate({ store: new MemoryStore(), prefix: 'sk_live' });
 * const { key, apiKey } = await keygate.keys.create({ name: 'CI deploys', owner: 'team_42', scopes: ['deploys:write'] });
 * // `key` is shown to its owner once; keygate keeps only a hash of it (`apiKey` is the public view).
 * ```
 */
export function createKeygate(options: KeygateOptions): Keygate {
  check.object(undefined, options, KEYGATE_OPTION_NAMES);
  const { store: given } = options;
  if (!given || typeof given.findById !== 'function' || typeof given.create !== 'function') {
    check.fail('`store` is required and must implement KeyStore (e.g. new MemoryStore()).', 'store');
  }
  // Every record read from the store is checked once, there: odd data fails closed (record-check.ts).
  const store = new CheckedStore(given);
  const prefix = options.prefix ?? 'kg';
  assertPrefix(prefix);
  const accepted = options.acceptedPrefixes ?? [prefix];
  if (!Array.isArray(accepted)) {
    check.fail('`acceptedPrefixes` must be an array of prefixes, e.g. ["sk_live", "sk_old"].', 'acceptedPrefixes');
  }
  for (const p of accepted) assertPrefix(p);
  const environments = resolveEnvironments(options.environments, prefix);
  if (!accepted.includes(prefix) && environments === undefined) {
    check.fail(
      `\`acceptedPrefixes\` must include \`prefix\` ("${prefix}"): keys this instance creates would never verify.`,
      'acceptedPrefixes',
    );
  }
  const hasher = options.hasher === undefined ? hmacSha256Hasher() : checkHasher('hasher', options.hasher);
  const legacyHashers =
    options.legacyHashers === undefined
      ? options.hasher === undefined
        ? [scryptHasher()]
        : []
      : checkHashers(options.legacyHashers);
  const hashers = [hasher, ...legacyHashers];
  const now = check.function('now', options.now, Date.now);
  const cache: CacheOptions =
    options.cache === false ? { max: 0, ttlMs: 0 } : nested<CacheOptions>('cache', options.cache, CACHE_OPTION_NAMES);
  const failures = nested<NonNullable<KeygateOptions['failures']>>('failures', options.failures, FAILURES_OPTION_NAMES);
  const kdf = nested<NonNullable<KeygateOptions['kdf']>>('kdf', options.kdf, KDF_OPTION_NAMES);
  const telemetry = resolveTelemetry(options.telemetry);

  const kdfLimiter = new KdfLimiter(
    Object.freeze({
      maxConcurrent: check.integer('kdf.maxConcurrent', kdf.maxConcurrent, { min: 1, default: availableParallelism() }),
      maxQueue: check.integer('kdf.maxQueue', kdf.maxQueue, { min: 0, default: 1000 }),
      maxQueuePerClient: check.integer('kdf.maxQueuePerClient', kdf.maxQueuePerClient, { min: 0, default: 100 }),
      maxWaitMs: check.integer('kdf.maxWaitMs', kdf.maxWaitMs, { min: 1, default: 1000 }),
    }),
    telemetry,
  );
  telemetry?.bind({ kdfQueued: () => kdfLimiter.queued, kdfRunning: () => kdfLimiter.running });
  const verifier = new Verifier({
    store,
    prefixes: new Set([...accepted, ...(environments?.keys() ?? [])]),
    environments,
    hasher,
    hashers,
    cache: Object.freeze({
      max: check.integer('cache.max', cache.max, { min: 0, default: 100_000 }),
      ttlMs: check.integer('cache.ttlMs', cache.ttlMs, { min: 0, default: 60_000 }),
      connections: check.boolean('cache.connections', cache.connections, true),
    }),
    failures: new FailureTracker(
      Object.freeze({
        rememberMs: check.integer('failures.rememberMs', failures.rememberMs, { min: 0, default: 60_000 }),
        maxPerId: check.integer('failures.maxPerId', failures.maxPerId, { min: 1, default: 10 }),
        windowMs: check.integer('failures.windowMs', failures.windowMs, { min: 1, default: 60_000 }),
        maxEntries: check.integer('failures.maxEntries', failures.maxEntries, { min: 1, default: 10_000 }),
      }),
      now,
    ),
    kdf: kdfLimiter,
    now,
    onRehashError: check.function('onRehashError', options.onRehashError, () => {}),
  });
  const audit = resolveAuditOption(options.audit, check);
  const listener = withAuditSink(check.function('onEvent', options.onEvent), audit);
  const emit = guardListener(listener);
  const maxKeysPerOwner =
    options.maxKeysPerOwner === undefined
      ? undefined
      : check.integer('maxKeysPerOwner', options.maxKeysPerOwner, { min: 1 });
  const maxGracePeriodMs = check.integer('maxGracePeriodMs', options.maxGracePeriodMs, {
    min: 0,
    max: LONGEST_GRACE_MS,
    default: DEFAULT_MAX_GRACE_MS,
  });
  const expiry = resolveExpiryPolicy(options.expiry, check);
  const onError = check.function('onError', options.onError, (error: unknown) =>
    console.error('keygate: a background task failed', error),
  );
  const tracker = createLastUsedTracker(options.lastUsed, { store, now, onError }, check);
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
    expiry,
    environments,
  });

  const ledger = resolveLedger(
    options.credits,
    given,
    now,
    listener === undefined ? undefined : emit,
    check,
    telemetry,
  );
  const credits = new CreditManager(ledger, async (id, actor) => keys.get(id, { actor }));

  return keygateInstance(
    {
      keys,
      credits,
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
        await audit?.close();
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
      emit: listener === undefined ? undefined : emit,
      now,
      credits: ledger,
      confirm: async (key, client) => {
        const record = await confirmKey({ store, hasher, hashers, kdf: kdfLimiter }, key, client);
        return record && toApiKey(record, environments);
      },
      audit,
      telemetry,
    },
  );
}

// The `telemetry` option, its hooks guarded; undefined without one.
function resolveTelemetry(value: unknown): KeygateTelemetry | undefined {
  if (value === undefined) return undefined;
  if (!isTelemetry(value)) {
    check.fail(
      '`telemetry` must implement KeygateTelemetry (e.g. openTelemetry() of @keygate/core/otel).',
      'telemetry',
    );
  }
  return guardTelemetry(value);
}

// The `environments` map, checked: valid prefixes, short names, and `prefix` among them.
function resolveEnvironments(value: unknown, prefix: string): ReadonlyMap<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    check.fail(
      '`environments` must map prefixes to environment names, e.g. { sk_live: "live", sk_test: "test" }.',
      'environments',
    );
  }
  const map = new Map<string, string>();
  for (const [p, name] of Object.entries(value)) {
    assertPrefix(p);
    if (!isEnvironmentName(name)) {
      check.fail(
        `\`environments.${p}\` must be an environment name matching ${ENVIRONMENT_NAME_RULE}.`,
        `environments.${p}`,
      );
    }
    map.set(p, name);
  }
  if (!map.has(prefix)) {
    check.fail(
      `\`environments\` must map \`prefix\` ("${prefix}"): keys this instance creates need an environment.`,
      'environments',
    );
  }
  return map;
}

// A hasher, as far as it can be checked before it is used: an object with its methods.
function checkHasher(name: string, value: unknown): Hasher {
  const h = value as Partial<Hasher> | null;
  if (
    typeof h?.algorithm !== 'string' ||
    typeof h.hash !== 'function' ||
    typeof h.verify !== 'function' ||
    typeof h.needsRehash !== 'function'
  ) {
    check.fail(`\`${name}\` must be a Hasher (e.g. hmacSha256Hasher() or scryptHasher()).`, name);
  }
  return value as Hasher;
}

function checkHashers(value: unknown): readonly Hasher[] {
  if (!Array.isArray(value)) check.fail('`legacyHashers` must be an array of hashers.', 'legacyHashers');
  return value.map((h, i) => checkHasher(`legacyHashers[${i}]`, h));
}

// A nested options object, `{}` when not given.
function nested<T extends object>(path: string, value: unknown, known: readonly string[]): Partial<T> {
  return value === undefined ? {} : check.object<Partial<T>>(path, value, known);
}
