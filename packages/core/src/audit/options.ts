// The options every stored audit sink shares (queue, deadline, retention), with their defaults,
// checked once by the sink's constructor.
import type { OptionChecks } from '../options.js';
import { resolveStoreTimeout } from '../stores/outage.js';
import type { AuditQueueLimits } from './queue.js';

/** Options shared by PostgresAuditSink and RedisAuditSink. */
export interface AuditSinkOptions {
  /** Most events waiting to be written; one past it is dropped and counted in `dropped`. Default 10_000. */
  maxQueue?: number;
  /** Events per write; a full batch is written at once. Default 100. */
  batchSize?: number;
  /** How often a partial batch is written, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** The most one write, query or retention run may take, in ms; past it the batch is lost and counted. Default 1000. */
  timeoutMs?: number;
  /** Events older than this are removed, in ms (at least one minute). Default 90 days. */
  maxAgeMs?: number;
  /** How often old events are removed, in ms. Default 60_000 (one minute). */
  pruneIntervalMs?: number;
  /** Receives failed writes and retention runs (events carry no key). Default `console.error`. */
  onError?: (error: unknown) => void;
  /** Clock of retention, in ms since the epoch, for tests. Default `Date.now`. */
  now?: () => number;
}

/** The shared options after validation, with defaults applied. */
export interface ResolvedAuditSinkOptions {
  readonly queue: AuditQueueLimits;
  readonly timeoutMs: number;
  readonly maxAgeMs: number;
  readonly pruneIntervalMs: number;
  readonly onError: (error: unknown) => void;
  readonly now: () => number;
}

/** Default retention: 90 days. */
export const DEFAULT_AUDIT_MAX_AGE_MS = 90 * 86_400_000;
const MIN_AGE_MS = 60_000;
const MAX_INTERVAL_MS = 2 ** 31 - 1;

/** The names of {@link AuditSinkOptions}, for a sink's own list of option names. */
export const AUDIT_SINK_OPTION_NAMES = [
  'maxQueue',
  'batchSize',
  'flushIntervalMs',
  'timeoutMs',
  'maxAgeMs',
  'pruneIntervalMs',
  'onError',
  'now',
] as const satisfies readonly (keyof AuditSinkOptions)[];

/** Checks the shared options with the sink's `check` (throws `invalid_options` naming the option). */
export function resolveAuditSinkOptions(options: AuditSinkOptions, check: OptionChecks): ResolvedAuditSinkOptions {
  const maxQueue = check.integer('maxQueue', options.maxQueue, { min: 1, default: 10_000 });
  return Object.freeze({
    queue: Object.freeze({
      maxQueue,
      batchSize: check.integer('batchSize', options.batchSize, { min: 1, max: 10_000, default: 100 }),
      flushIntervalMs: check.integer('flushIntervalMs', options.flushIntervalMs, {
        min: 1,
        max: MAX_INTERVAL_MS,
        default: 1000,
      }),
    }),
    timeoutMs: resolveStoreTimeout(options.timeoutMs, check),
    maxAgeMs: check.integer('maxAgeMs', options.maxAgeMs, { min: MIN_AGE_MS, default: DEFAULT_AUDIT_MAX_AGE_MS }),
    pruneIntervalMs: check.integer('pruneIntervalMs', options.pruneIntervalMs, {
      min: 1000,
      max: MAX_INTERVAL_MS,
      default: 60_000,
    }),
    onError: check.function('onError', options.onError, (error: unknown) =>
      console.error('keygate: the audit log failed', error),
    ),
    now: check.function('now', options.now, Date.now),
  });
}
