// The options of createAuthenticator, validated and resolved once.

import type { Keygate } from '../keygate/instance.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { RateLimitOptions } from '../rate-limit/options.js';
import { DEFAULT_IPV6_PREFIX } from './client-subject.js';
import { type KeySource, resolveKeySources } from './credentials.js';

/**
 * Options shared by every adapter's authentication middleware, checked when the middleware is
 * built: an invalid value throws KeygateError `invalid_options`; an unknown name is ignored and
 * reported once with `console.warn`, naming the closest known option.
 */
export interface AuthOptions {
  /** The keygate instance whose store and cache verify keys; its `onEvent` receives the request events. */
  keygate: Keygate;
  /**
   * Where to look for the key, in order. The list replaces the defaults, `X-API-Key` header then
   * `Authorization: Bearer` (`DEFAULT_KEY_SOURCES`): to add a source, spread them,
   * `sources: [...DEFAULT_KEY_SOURCES, { in: 'query', name: 'api_key' }]`.
   */
  sources?: readonly KeySource[];
  /** When true, a request without a key passes with no key attached (a bad key still fails). Default false. */
  optional?: boolean;
  /** The realm of `WWW-Authenticate` challenges. Default `api`. */
  realm?: string;
  /** Called when the key store fails; the client gets a 503. Default: `console.error`. Never given a key. */
  onError?: (error: unknown) => void;
  /**
   * Rate limits per key (429 with RateLimit headers) and a per-IP guard on failed authentications,
   * checked before any lookup or hashing (see {@link RateLimitOptions}). Default: no rate limiting.
   */
  rateLimit?: RateLimitOptions;
  /**
   * Refuse any key sent over plain HTTP (403 `tls_required`), before any lookup. HTTPS is as the
   * framework reports it, so behind a TLS-terminating proxy enable the framework's proxy trust
   * (Express `trust proxy`, Koa `app.proxy`, Fastify `trustProxy`) for `X-Forwarded-Proto`. Default false.
   */
  requireTls?: boolean;
  /**
   * IPv6 clients count per network of this prefix length wherever limits are per client (the
   * failed-authentication guard, fair hashing): one host usually holds a whole /64. Default 64.
   */
  ipv6Prefix?: number;
  /**
   * Remove the header, query parameter or cookie that carried the key before the application's
   * handlers run (Kong's `hide_credentials`): from the headers, the parsed query and the URL, the
   * Cookie header and parsed cookies. Other headers, parameters and cookies stay as they were. A
   * later keygate middleware on the same request (e.g. a second realm) then finds no key: set it on
   * the last one. Default false.
   */
  hideCredentials?: boolean;
}

const REALM_RE = /^[\x20-\x7e]{1,64}$/;
const check: OptionChecks = optionChecks('authentication options');

/** Every option name of {@link AuthOptions}, for the unknown-option warning. */
export const AUTH_OPTION_NAMES = optionNames<AuthOptions>({
  keygate: true,
  sources: true,
  optional: true,
  realm: true,
  onError: true,
  rateLimit: true,
  requireTls: true,
  ipv6Prefix: true,
  hideCredentials: true,
});

/** Validates the realm used in challenges; throws `invalid_options` (through `checks`, which name the caller). */
export function resolveRealm(realm: unknown = 'api', checks: OptionChecks = check): string {
  if (typeof realm !== 'string' || !REALM_RE.test(realm) || realm.includes('"') || realm.includes('\\')) {
    checks.fail('`realm` must be 1-64 printable ASCII characters without quotes or backslashes.', 'realm');
  }
  return realm;
}

/** {@link AuthOptions} with defaults applied. */
export interface ResolvedAuthOptions {
  readonly keygate: Keygate;
  readonly sources: readonly KeySource[];
  readonly realm: string;
  readonly optional: boolean;
  readonly requireTls: boolean;
  readonly onError: (error: unknown) => void;
  readonly rateLimit: RateLimitOptions | undefined;
  readonly ipv6Prefix: number;
  readonly hideCredentials: boolean;
}

/** Validates options (throws `invalid_options`, warns about unknown names) and applies their defaults. */
export function resolveAuthOptions(options: AuthOptions): ResolvedAuthOptions {
  const { keygate } = check.object<AuthOptions>(undefined, options, AUTH_OPTION_NAMES);
  if (!keygate || typeof keygate.verify !== 'function') {
    check.fail('`keygate` is required (create one with createKeygate()).', 'keygate');
  }
  return {
    keygate,
    sources: resolveKeySources(options.sources),
    realm: resolveRealm(options.realm),
    optional: check.boolean('optional', options.optional, false),
    requireTls: check.boolean('requireTls', options.requireTls, false),
    onError: check.function('onError', options.onError, (error: unknown) =>
      console.error('keygate: the key store failed', error),
    ),
    rateLimit: options.rateLimit,
    ipv6Prefix: check.integer('ipv6Prefix', options.ipv6Prefix, { min: 1, max: 128, default: DEFAULT_IPV6_PREFIX }),
    hideCredentials: check.boolean('hideCredentials', options.hideCredentials, false),
  };
}
