// Options of the leaked-key endpoint (GitHub's secret scanning partner program), checked once.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeygateError } from '../errors.js';
import type { Keygate } from '../keygate/instance.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';

/** What the endpoint does with a confirmed leaked key: revoke it for good, disable it, or only report it. */
export type LeakAction = 'revoke' | 'disable' | 'report';

/**
 * The application's lookup of a signing key by its identifier (the `Github-Public-Key-Identifier`
 * header): the PEM public key, or null/undefined when unknown. It may fetch and cache GitHub's
 * `https://api.github.com/meta/public_keys/secret_scanning`; keygate itself never goes to the network.
 */
export type PublicKeyLookup = (keyIdentifier: string) => Promise<string | null | undefined> | string | null | undefined;

/**
 * Options of the leaked-key endpoint (every adapter's mount takes these). `keygate` and
 * `publicKeys` are required. Checked when the endpoint is built: an invalid value throws
 * `invalid_options`; an unknown name is reported once with `console.warn`.
 */
export interface LeakedKeyOptions {
  /** The keygate instance whose keys are checked and acted on. */
  keygate: Keygate;
  /**
   * The keys the reports are signed with (ECDSA P-256): PEM public keys by key identifier, or a
   * function looking one up (see {@link PublicKeyLookup}).
   */
  publicKeys: Readonly<Record<string, string>> | PublicKeyLookup;
  /** What to do with a confirmed leaked key that still authenticates. Default `revoke`. */
  action?: LeakAction;
  /** Largest accepted request body, in bytes. Default 1048576 (1 MiB). */
  bodyLimit?: number;
  /** Most tokens in one report. Default 1000. */
  maxTokens?: number;
  /** How long a `publicKeys` function may take, in ms (then 503: the sender retries). Default 5000. */
  publicKeyTimeoutMs?: number;
  /** Called with unexpected errors (the sender gets a 500 or 503); never given a key. Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Leaked-key options after validation, with defaults applied. */
export interface ResolvedLeakedKeyOptions {
  readonly keygate: Keygate;
  /** The signing key for an identifier: a checked P-256 public key, or undefined when unknown. */
  readonly publicKey: (keyIdentifier: string) => Promise<KeyObject | undefined> | KeyObject | undefined;
  readonly action: LeakAction;
  readonly bodyLimit: number;
  readonly maxTokens: number;
  readonly publicKeyTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/** Default body limit of the leaked-key endpoint: 1 MiB. */
export const DEFAULT_LEAK_BODY_LIMIT = 1_048_576;

const check: OptionChecks = optionChecks('leaked-key options');

const LEAK_OPTION_NAMES = optionNames<LeakedKeyOptions>({
  keygate: true,
  publicKeys: true,
  action: true,
  bodyLimit: true,
  maxTokens: true,
  publicKeyTimeoutMs: true,
  onError: true,
});

/**
 * Validates leaked-key options once; throws `invalid_options` naming the bad one (a PEM that is
 * not an ECDSA P-256 public key included), warns about unknown names (`adapterOptionNames`, the
 * options of an adapter's mount, are known too).
 */
export function resolveLeakedKeyOptions(
  options: LeakedKeyOptions,
  adapterOptionNames: readonly string[] = [],
): ResolvedLeakedKeyOptions {
  const { keygate, publicKeys } = check.object<LeakedKeyOptions>(undefined, options, [
    ...LEAK_OPTION_NAMES,
    ...adapterOptionNames,
  ]);
  if (typeof keygate?.keys?.revoke !== 'function') {
    check.fail('`keygate` is required (create one with createKeygate()).', 'keygate');
  }
  return Object.freeze({
    keygate,
    publicKey: resolvePublicKeys(publicKeys),
    action: check.oneOf<LeakAction>('action', options.action, ['revoke', 'disable', 'report'], 'revoke'),
    bodyLimit: check.integer('bodyLimit', options.bodyLimit, {
      min: 1,
      max: 16 * 1024 * 1024,
      default: DEFAULT_LEAK_BODY_LIMIT,
    }),
    maxTokens: check.integer('maxTokens', options.maxTokens, { min: 1, max: 100_000, default: 1000 }),
    publicKeyTimeoutMs: check.integer('publicKeyTimeoutMs', options.publicKeyTimeoutMs, {
      min: 1,
      max: 60_000,
      default: 5000,
    }),
    onError: check.function('onError', options.onError, (error: unknown) =>
      console.error('keygate: a leaked-key report failed', error),
    ),
  });
}

// A map of identifiers to parsed keys, or the application's lookup with its answers parsed.
function resolvePublicKeys(value: unknown): ResolvedLeakedKeyOptions['publicKey'] {
  if (typeof value === 'function') {
    const lookup = value as PublicKeyLookup;
    return async (identifier) => {
      const pem = await lookup(identifier);
      return pem === null || pem === undefined ? undefined : signingKey(pem);
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    check.fail(
      '`publicKeys` must map key identifiers to PEM public keys, or be a function looking one up.',
      'publicKeys',
    );
  }
  const keys = new Map<string, KeyObject>();
  for (const [identifier, pem] of Object.entries(value)) {
    try {
      keys.set(identifier, signingKey(pem));
    } catch {
      check.fail(`\`publicKeys.${identifier}\` must be an ECDSA P-256 public key in PEM.`, `publicKeys.${identifier}`);
    }
  }
  if (keys.size === 0) check.fail('`publicKeys` must hold at least one key.', 'publicKeys');
  return (identifier) => keys.get(identifier);
}

const NOT_P256 = 'keygate: leaked-key options: a signing key must be an ECDSA P-256 public key in PEM.';

/** A PEM public key as a KeyObject; throws `invalid_options` unless it is an ECDSA P-256 public key. */
export function signingKey(pem: unknown): KeyObject {
  let key: KeyObject | undefined;
  try {
    if (typeof pem === 'string' && pem.length <= 4096) key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    // Reported below, without the parser's wording.
  }
  if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new KeygateError('invalid_options', NOT_P256);
  }
  return key;
}
