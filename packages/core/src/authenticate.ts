import { createCredentialReader, type KeySource, type RequestAccessors, resolveKeySources } from './credentials.js';
import { KeygateError } from './errors.js';
import type { Keygate } from './keygate.js';
import { authProblems, type ProblemResponse, unavailableProblem } from './problem.js';
import type { MaybePromise } from './rate-limit/limiter.js';
import type { RateLimitOptions } from './rate-limit/options.js';
import { createRateLimitStep, type RateLimitResult } from './rate-limit/step.js';
import type { ApiKey } from './record.js';
import type { VerifyResult } from './verify.js';

/** Options shared by every adapter's authentication middleware. */
export interface AuthOptions {
  /** The keygate instance whose store and cache verify keys. */
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
}

/**
 * The outcome of authenticating one request: a key (or none, when optional) plus headers the
 * adapter sets on the eventual response (e.g. rate-limit headers), or the complete error response.
 */
export type AuthOutcome =
  | { readonly ok: true; readonly key: ApiKey | undefined; readonly headers?: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly response: ProblemResponse };

/** Authenticates a request; synchronous when the key is in the verified-key cache. */
export type Authenticate<Req> = (req: Req) => AuthOutcome | Promise<AuthOutcome>;

const REALM_RE = /^[\x20-\x7e]{1,64}$/;
const ANONYMOUS: AuthOutcome = Object.freeze({ ok: true, key: undefined });

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

/**
 * Builds the whole authentication step for an adapter: read the credential, verify it, and map
 * every failure to its HTTP response. Options are resolved here, once.
 */
export function createAuthenticator<Req>(options: AuthOptions, accessors: RequestAccessors<Req>): Authenticate<Req> {
  const { keygate } = options ?? {};
  if (!keygate || typeof keygate.verify !== 'function') {
    throw new KeygateError('invalid_options', 'keygate: `keygate` is required (create one with createKeygate()).');
  }
  const read = createCredentialReader(resolveKeySources(options.sources), accessors);
  const problems = authProblems(resolveRealm(options.realm));
  const optional = options.optional === true;
  const onError = options.onError ?? ((error: unknown) => console.error('keygate: the key store failed', error));
  const storeDown = unavailableProblem(1);
  const limits = options.rateLimit === undefined ? undefined : createRateLimitStep(options.rateLimit);

  const toOutcome = (result: VerifyResult): AuthOutcome => {
    if (result.ok) return { ok: true, key: result.key };
    if (result.reason === 'busy') {
      return { ok: false, response: unavailableProblem(Math.ceil((result.retryAfterMs ?? 1000) / 1000)) };
    }
    return { ok: false, response: problems[result.reason] };
  };
  const storeFailed = (error: unknown): AuthOutcome => {
    onError(error);
    return { ok: false, response: storeDown };
  };

  // With rate limits: a valid key is counted against its policies; a rejected one (401) against the client IP.
  const admitted = (key: ApiKey, counted: RateLimitResult): AuthOutcome => {
    if (!counted.ok) return { ok: false, response: counted.response };
    return counted.headers === undefined ? { ok: true, key } : { ok: true, key, headers: counted.headers };
  };
  const afterVerify = (req: Req, result: VerifyResult): MaybePromise<AuthOutcome> => {
    if (limits === undefined) return toOutcome(result);
    if (result.ok) {
      const counted = limits.consume(result.key);
      return counted instanceof Promise
        ? counted.then((settled) => admitted(result.key, settled))
        : admitted(result.key, counted);
    }
    const outcome = toOutcome(result);
    if (result.reason !== 'invalid' && result.reason !== 'expired' && result.reason !== 'revoked') return outcome;
    const recorded = limits.recordFailure(accessors.ip(req));
    return recorded instanceof Promise ? recorded.then(() => outcome) : outcome;
  };
  const verify = (req: Req, presented: string): Promise<AuthOutcome> =>
    keygate.verify(presented).then((result) => afterVerify(req, result), storeFailed);
  // An IP over its failed-authentication limit is answered before the store lookup and the hash.
  const guardThenVerify = (req: Req, presented: string): MaybePromise<AuthOutcome> => {
    const blocked = limits?.checkFailures(accessors.ip(req));
    if (blocked === undefined) return verify(req, presented);
    if (!(blocked instanceof Promise)) return { ok: false, response: blocked };
    return blocked.then((response) => (response === undefined ? verify(req, presented) : { ok: false, response }));
  };

  return (req) => {
    const credential = read(req);
    switch (credential.kind) {
      case 'none':
        return optional ? ANONYMOUS : { ok: false, response: problems.missing };
      case 'malformed':
      case 'ambiguous':
        return { ok: false, response: problems[credential.kind] };
    }
    const cached = keygate.peek(credential.key);
    if (limits === undefined) {
      if (cached !== undefined) return toOutcome(cached);
      return keygate.verify(credential.key).then(toOutcome, storeFailed);
    }
    if (cached !== undefined) return afterVerify(req, cached);
    return guardThenVerify(req, credential.key);
  };
}
