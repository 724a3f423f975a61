// The options of createAuthenticator, validated and resolved once.

import { KeygateError } from '../errors.js';
import type { Keygate } from '../keygate/instance.js';
import type { RateLimitOptions } from '../rate-limit/options.js';
import { DEFAULT_IPV6_PREFIX } from './client-subject.js';
import { type KeySource, resolveKeySources } from './credentials.js';

/** Options shared by every adapter's authentication middleware. */
export interface AuthOptions {
  /** The keygate instance whose store and cache verify keys; its `onEvent` receives the request events. */
  keygate: Keygate;
  /** Where to look for the key, in order. Default: `X-API-Key` header, then `Authorization: Bearer`. */
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
}

const REALM_RE = /^[\x20-\x7e]{1,64}$/;

/** Validates the realm used in challenges; throws `invalid_options`. */
export function resolveRealm(realm: unknown = 'api'): string {
  if (typeof realm !== 'string' || !REALM_RE.test(realm) || realm.includes('"') || realm.includes('\\')) {
    throw new KeygateError(
      'invalid_options',
      'keygate: `realm` must be 1-64 printable ASCII characters without quotes or backslashes.',
    );
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
}

function resolveIpv6Prefix(prefix: unknown = DEFAULT_IPV6_PREFIX): number {
  if (typeof prefix !== 'number' || !Number.isInteger(prefix) || prefix < 1 || prefix > 128) {
    throw new KeygateError('invalid_options', 'keygate: `ipv6Prefix` must be an integer from 1 to 128.');
  }
  return prefix;
}

/** Validates options (throws `invalid_options`) and applies their defaults. */
export function resolveAuthOptions(options: AuthOptions): ResolvedAuthOptions {
  const { keygate } = options ?? {};
  if (!keygate || typeof keygate.verify !== 'function') {
    throw new KeygateError('invalid_options', 'keygate: `keygate` is required (create one with createKeygate()).');
  }
  if (options.requireTls !== undefined && typeof options.requireTls !== 'boolean') {
    throw new KeygateError('invalid_options', 'keygate: `requireTls` must be a boolean.');
  }
  return {
    keygate,
    sources: resolveKeySources(options.sources),
    realm: resolveRealm(options.realm),
    optional: options.optional === true,
    requireTls: options.requireTls === true,
    onError: options.onError ?? ((error: unknown) => console.error('keygate: the key store failed', error)),
    rateLimit: options.rateLimit,
    ipv6Prefix: resolveIpv6Prefix(options.ipv6Prefix),
  };
}
