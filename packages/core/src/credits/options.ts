import { KeygateError } from '../errors.js';
import type { AuditListener } from '../events.js';
import { type OptionChecks, optionNames } from '../options.js';
import { checkedCredits } from '../stores/checked-credits.js';
import { type CreditStore, isCreditStore } from '../stores/credit-store.js';
import type { KeyStore } from '../stores/store.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';
import { MAX_CREDITS } from './allowance.js';
import type { LedgerConfig } from './ledger.js';

/**
 * Credits (createKeygate's `credits` option): how the allowances of `keygate.credits` are spent by
 * routes that cost credits (`requireCredits` in the adapters).
 */
export interface CreditOptions {
  /** `credits_low` is emitted when a spend takes an allowance to this many credits or fewer (above 0). Default 0: off. */
  lowThreshold?: number;
  /**
   * A request to a route that costs credits whose key and owner both have no allowance: `allow`
   * (it is not metered) or `refuse` (429, as with no credits left). Default `allow`.
   */
  whenMissing?: 'allow' | 'refuse';
}

const CREDIT_OPTION_NAMES = optionNames<CreditOptions>({ lowThreshold: true, whenMissing: true });

/** Resolves the `credits` option over the instance's store (its credit answers checked) once. */
export function resolveLedger(
  value: unknown,
  store: KeyStore,
  now: () => number,
  emit: AuditListener | undefined,
  check: OptionChecks,
  telemetry?: KeygateTelemetry,
): LedgerConfig {
  const options = value === undefined ? {} : check.object<CreditOptions>('credits', value, CREDIT_OPTION_NAMES);
  return Object.freeze({
    store: isCreditStore(store) ? checkedCredits(store) : NO_CREDITS,
    now,
    emit,
    lowThreshold: check.integer('credits.lowThreshold', options.lowThreshold, { min: 0, max: MAX_CREDITS, default: 0 }),
    whenMissing: check.oneOf('credits.whenMissing', options.whenMissing, ['allow', 'refuse'], 'allow'),
    telemetry,
  });
}

// A store without credit methods: every credit call says so.
const unsupported = (): Promise<never> =>
  Promise.reject(
    new KeygateError(
      'invalid_options',
      'keygate: the store keeps no credit allowances (it does not implement CreditStore; the built-in stores do).',
    ),
  );
const NO_CREDITS: CreditStore = Object.freeze({
  getCredits: unsupported,
  setCredits: unsupported,
  addCredits: unsupported,
  spendCredits: unsupported,
  refillCredits: unsupported,
});
