// The metrics of openTelemetry(): one instrument per thing measured, with units and descriptions,
// and attributes of bounded cardinality only (outcomes, reasons, decisions: never a key id or an owner).
import type { Attributes, Meter } from '@opentelemetry/api';
import type {
  AuthenticationReport,
  RateLimitVerdict,
  TelemetryGauges,
  TelemetryStore,
} from '../telemetry/telemetry.js';
import { ATTRIBUTES } from './attributes.js';

/** The instruments of one openTelemetry() telemetry, recording what its hooks report. */
export interface Instruments {
  bind(gauges: TelemetryGauges): void;
  verification(report: AuthenticationReport): void;
  cache(hit: boolean): void;
  rateLimit(verdict: RateLimitVerdict): void;
  kdfWait(ms: number): void;
  storeUnavailable(store: TelemetryStore): void;
  creditsSpent(allowance: 'owner' | 'key', credits: number): void;
}

/** Creates the instruments on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  const verifications = meter.createCounter('keygate.verifications', {
    description: 'Authentications of requests with a key, by outcome and, for failures, reason.',
    unit: '{verification}',
  });
  const cache = meter.createCounter('keygate.cache.lookups', {
    description: 'Lookups of presented keys in the verified-key cache, by result (hit or miss).',
    unit: '{lookup}',
  });
  const decisions = meter.createCounter('keygate.rate_limit.decisions', {
    description: 'Decisions of the rate-limit step for authenticated requests (allowed, limited, unavailable).',
    unit: '{decision}',
  });
  const kdfWait = meter.createHistogram('keygate.kdf.wait', {
    description: 'Time a hash computation waited for a slot of the KDF limiter.',
    unit: 'ms',
  });
  const unavailable = meter.createCounter('keygate.store.unavailable', {
    description: 'Requests answered 503 because a store (keys, rate_limit, credits) could not answer.',
    unit: '{request}',
  });
  const spent = meter.createCounter('keygate.credits.spent', {
    description: 'Credits spent by requests, by allowance (owner or key).',
    unit: '{credit}',
  });
  const bound = new Set<TelemetryGauges>();
  const sum = (read: (gauges: TelemetryGauges) => number) => () => {
    let total = 0;
    for (const gauges of bound) total += read(gauges);
    return total;
  };
  gauge(
    meter,
    'keygate.kdf.queue_depth',
    'Hash computations of clients waiting for a KDF slot.',
    sum((g) => g.kdfQueued()),
  );
  gauge(
    meter,
    'keygate.kdf.running',
    'Hash computations running.',
    sum((g) => g.kdfRunning()),
  );

  const outcomes = new Map<string, Attributes>();
  const outcomeAttributes = ({ outcome, reason }: AuthenticationReport): Attributes => {
    const name = `${outcome}/${reason ?? ''}`;
    let attributes = outcomes.get(name);
    if (attributes === undefined) {
      attributes = Object.freeze(
        reason === undefined
          ? { [ATTRIBUTES.outcome]: outcome }
          : { [ATTRIBUTES.outcome]: outcome, [ATTRIBUTES.reason]: reason },
      );
      outcomes.set(name, attributes);
    }
    return attributes;
  };

  return {
    bind: (gauges) => bound.add(gauges),
    verification: (report) => verifications.add(1, outcomeAttributes(report)),
    cache: (hit) => cache.add(1, hit ? HIT : MISS),
    rateLimit: (verdict) => decisions.add(1, VERDICTS[verdict]),
    kdfWait: (ms) => kdfWait.record(ms),
    storeUnavailable: (store) => unavailable.add(1, STORES[store]),
    creditsSpent: (allowance, credits) => spent.add(credits, ALLOWANCES[allowance]),
  };
}

function gauge(meter: Meter, name: string, description: string, read: () => number): void {
  meter.createObservableGauge(name, { description, unit: '{hash}' }).addCallback((result) => result.observe(read()));
}

const HIT: Attributes = Object.freeze({ [ATTRIBUTES.cache]: 'hit' });
const MISS: Attributes = Object.freeze({ [ATTRIBUTES.cache]: 'miss' });
const VERDICTS = frozenBy<RateLimitVerdict>(ATTRIBUTES.rateLimit, ['allowed', 'limited', 'unavailable']);
const STORES = frozenBy<TelemetryStore>(ATTRIBUTES.store, ['keys', 'rate_limit', 'credits']);
const ALLOWANCES = frozenBy<'owner' | 'key'>(ATTRIBUTES.allowance, ['owner', 'key']);

// One frozen attribute set per value of one attribute.
function frozenBy<T extends string>(attribute: string, values: readonly T[]): Readonly<Record<T, Attributes>> {
  return Object.freeze(
    Object.fromEntries(values.map((value) => [value, Object.freeze({ [attribute]: value })])) as Record<T, Attributes>,
  );
}
