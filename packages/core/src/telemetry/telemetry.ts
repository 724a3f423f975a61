// The telemetry hooks: what keygate tells a metrics and tracing backend (e.g. openTelemetry() of
// `@keygate/core/otel`) as it works. Only hooks, no backend: core depends on none. Without the
// `telemetry` option of createKeygate none of this runs: every call site is `telemetry?.…`.
import type { AuditFailureReason } from '../events.js';

/** How the authentication of one request ended: the `type` of its audit event. */
export type AuthenticationOutcome = 'verified' | 'failed' | 'rate_limited';

/** One request's authentication, as it ended. Never holds the key, its secret or its hash. */
export interface AuthenticationReport {
  readonly outcome: AuthenticationOutcome;
  /** Why a `failed` authentication failed; undefined otherwise. */
  readonly reason: AuditFailureReason | undefined;
  /** The key's public id, when known. */
  readonly keyId: string | null;
  /** The key's owner, when its secret was verified. */
  readonly owner: string | null;
}

/** What the rate-limit step decided for a request: under its limits, over them (429), or its store down (503). */
export type RateLimitVerdict = 'allowed' | 'limited' | 'unavailable';

/** A store that could not answer a request (503): the key store, the rate limiter's, the credits'. */
export type TelemetryStore = 'keys' | 'rate_limit' | 'credits';

/** Gauges of one keygate instance, read when the backend collects them. */
export interface TelemetryGauges {
  /** Hash computations of clients waiting for a slot. */
  kdfQueued(): number;
  /** Hash computations running. */
  kdfRunning(): number;
}

/**
 * Hooks keygate calls as it works, synchronously (keep them quick). `request` is the framework's
 * request object of the authentication middleware, the same object for every hook of one request,
 * to tell requests apart (never to read: it may hold the key). A throw is caught and logged.
 */
export interface KeygateTelemetry {
  /** Once, by createKeygate: the instance's gauges. */
  bind(gauges: TelemetryGauges): void;
  /** The verified-key cache had the presented key (`hit`) or not: the first hook of a request with a key. */
  cache(request: unknown, hit: boolean): void;
  /** The rate-limit step's decision for a request. */
  rateLimit(request: unknown, verdict: RateLimitVerdict): void;
  /** A request's authentication ended: the last hook of the request. */
  authenticated(request: unknown, report: AuthenticationReport): void;
  /** A hash computation waited `ms` for a slot of the KDF limiter (0: it started at once). */
  kdfWait(ms: number): void;
  /** A request got 503 because a store could not answer. */
  storeUnavailable(store: TelemetryStore): void;
  /** A request spent `credits` from an allowance (`owner`: shared by the owner's keys; `key`: the lineage's). */
  creditsSpent(allowance: 'owner' | 'key', credits: number): void;
}

const HOOKS = ['bind', 'cache', 'rateLimit', 'authenticated', 'kdfWait', 'storeUnavailable', 'creditsSpent'] as const;

/** True for an object with every hook of {@link KeygateTelemetry}. */
export function isTelemetry(value: unknown): value is KeygateTelemetry {
  const hooks = value as Partial<Record<(typeof HOOKS)[number], unknown>> | null;
  return typeof hooks === 'object' && hooks !== null && HOOKS.every((name) => typeof hooks[name] === 'function');
}

/**
 * Wraps telemetry so that a hook can never break the request that calls it: a throw is reported
 * to `console.error` (once per hook) and dropped.
 */
export function guardTelemetry(telemetry: KeygateTelemetry): KeygateTelemetry {
  const reported = new Set<string>();
  const guarded = {} as Record<string, (...args: never[]) => void>;
  for (const name of HOOKS) {
    const hook = telemetry[name] as (...args: unknown[]) => void;
    guarded[name] = (...args: unknown[]) => {
      try {
        hook.apply(telemetry, args);
      } catch (error) {
        if (reported.has(name)) return;
        reported.add(name);
        console.error(`keygate: the telemetry hook ${name} failed`, error);
      }
    };
  }
  return Object.freeze(guarded) as unknown as KeygateTelemetry;
}
