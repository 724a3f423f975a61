// The key lifetime policy (`createKeygate({ expiry })`): whether keys must expire, how far ahead
// at most, and the expiry a key gets when none is given. Resolved once by createKeygate and
// applied by KeyManager to create, update and rotate, before the delegation rule (both apply).
import { KeygateError } from '../errors.js';
import { type OptionChecks, optionNames } from '../options.js';

/** The `expiry` option of createKeygate. Defaults: not required, no max, no default. */
export interface ExpiryOptions {
  /** Every key must expire: creating one without an expiry (and no `defaultMs`) or clearing one is refused. Default false. */
  required?: boolean;
  /** Latest expiry a key may get, in ms from the change; implies that keys must expire. Default: none. */
  maxMs?: number;
  /** Expiry of a key created without one, in ms from its creation; at most `maxMs`. Default: none. */
  defaultMs?: number;
}

/** The resolved policy. */
export interface ExpiryPolicy {
  readonly required: boolean;
  readonly maxMs: number | undefined;
  readonly defaultMs: number | undefined;
}

/** Every option name of {@link ExpiryOptions}, for the unknown-option warning. */
export const EXPIRY_OPTION_NAMES = optionNames<ExpiryOptions>({ required: true, maxMs: true, defaultMs: true });

/** No policy: keys may live for ever. */
export const NO_EXPIRY_POLICY: ExpiryPolicy = Object.freeze({
  required: false,
  maxMs: undefined,
  defaultMs: undefined,
});

// Ten years: longer is no limit, and it keeps every computed instant a valid Date.
const LONGEST_MS = 10 * 366 * 86_400_000;

/** Validates the `expiry` option with createKeygate's checks (throws `invalid_options` naming the option). */
export function resolveExpiryPolicy(value: unknown, check: OptionChecks): ExpiryPolicy {
  if (value === undefined) return NO_EXPIRY_POLICY;
  const options = check.object<ExpiryOptions>('expiry', value, EXPIRY_OPTION_NAMES);
  const bounds = { min: 1, max: LONGEST_MS };
  const maxMs = options.maxMs === undefined ? undefined : check.integer('expiry.maxMs', options.maxMs, bounds);
  const defaultMs =
    options.defaultMs === undefined ? undefined : check.integer('expiry.defaultMs', options.defaultMs, bounds);
  if (maxMs !== undefined && defaultMs !== undefined && defaultMs > maxMs) {
    check.fail(
      `\`expiry.defaultMs\` must be at most \`expiry.maxMs\` (${maxMs}) (received ${defaultMs}).`,
      'expiry.defaultMs',
    );
  }
  return Object.freeze({ required: check.boolean('expiry.required', options.required, false), maxMs, defaultMs });
}

/** The expiry of a new key under the policy: `given` (null: none asked for), the default, or a refusal. */
export function policyExpiryForCreate(policy: ExpiryPolicy, given: Date | null, now: number): Date | null {
  if (given === null && policy.defaultMs !== undefined) return new Date(now + policy.defaultMs);
  return checked(policy, given, now);
}

/** Refuses an update's new expiry (null: cleared) that the policy does not allow. */
export function assertPolicyExpiry(policy: ExpiryPolicy, expiresAt: Date | null, now: number): void {
  checked(policy, expiresAt, now);
}

/**
 * The expiry of a rotation's replacement: the old key's, brought within the policy (no later than
 * `maxMs` from now; a missing one becomes `defaultMs`, else `maxMs` from now), so a rotation, often
 * urgent, is refused only when keys must expire and the policy sets no length.
 */
export function policyExpiryForRotation(policy: ExpiryPolicy, expiresAt: Date | null, now: number): Date | null {
  const { maxMs, defaultMs } = policy;
  if (expiresAt === null) {
    const ms = defaultMs ?? maxMs;
    return ms === undefined ? checked(policy, null, now) : new Date(now + ms);
  }
  return maxMs !== undefined && expiresAt.getTime() > now + maxMs ? new Date(now + maxMs) : expiresAt;
}

function checked(policy: ExpiryPolicy, expiresAt: Date | null, now: number): Date | null {
  const { required, maxMs } = policy;
  if (expiresAt === null) {
    if (maxMs !== undefined)
      throw refused(`expiresAt is required: keys expire at most ${spell(maxMs)} from now (the expiry.maxMs policy).`);
    if (required) throw refused('expiresAt is required: every key must expire (the expiry.required policy).');
    return null;
  }
  if (maxMs !== undefined && expiresAt.getTime() > now + maxMs) {
    throw refused(`expiresAt must be at most ${spell(maxMs)} from now (the expiry.maxMs policy).`);
  }
  return expiresAt;
}

function refused(message: string): KeygateError {
  return new KeygateError('invalid_input', message, { field: 'expiresAt' });
}

// A length in the largest whole unit that divides it: "90 days", "12 hours", "1500 ms".
function spell(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}
