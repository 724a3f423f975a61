import { isKeygateError } from '../errors.js';
import { ipAllowed } from '../key/allowlist.js';
import { parseKey } from '../key/format.js';
import type { ApiKey } from '../key/record.js';
import { runtimeOf } from '../keygate/instance.js';
import type { MaybePromise } from '../rate-limit/limiter.js';
import type { VerifiedResult, VerifyResult } from '../verify/verifier.js';
import { clientSubject, UNKNOWN_CLIENT } from './client-subject.js';
import { type Credential, createCredentialReader, type RequestAccessors } from './credentials.js';
import { type AuthOptions, resolveAuthOptions } from './options.js';
import {
  authProblems,
  INTERNAL_ERROR,
  IP_NOT_ALLOWED,
  type ProblemResponse,
  TLS_REQUIRED,
  unavailableProblem,
} from './problem.js';
import { createRateLimitStep, type GuardAnswer, type RateLimitResult, type RateLimitStep } from './rate-limit-step.js';
import { createRequestEvents } from './request-events.js';

export { type AuthOptions, resolveRealm } from './options.js';

/**
 * The outcome of authenticating one request: a key (or none, when optional) plus headers the
 * adapter sets on the eventual response (e.g. rate-limit headers), or the complete error response.
 */
export type AuthOutcome =
  | { readonly ok: true; readonly key: ApiKey | undefined; readonly headers?: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly response: ProblemResponse };

/** Authenticates a request; synchronous when the key is in the verified-key cache. */
export type Authenticate<Req> = (req: Req) => AuthOutcome | Promise<AuthOutcome>;

const ANONYMOUS: AuthOutcome = Object.freeze({ ok: true, key: undefined });
const refuse = (response: ProblemResponse): AuthOutcome => ({ ok: false, response });

/**
 * Builds the whole authentication step for an adapter: read the credential, require TLS, verify
 * the key, check its IP allowlist and rate limits, and map every failure to its HTTP response.
 * With an `onEvent` listener on the keygate, each request with a key emits `verified`, `failed`
 * (with a `reason`) or `rate_limited`. Options are resolved here, once.
 */
export function createAuthenticator<Req>(options: AuthOptions, accessors: RequestAccessors<Req>): Authenticate<Req> {
  const { keygate, sources, realm, optional, requireTls, onError, rateLimit, ipv6Prefix } = resolveAuthOptions(options);
  const read = createCredentialReader(sources, accessors);
  const problems = authProblems(realm);
  const storeDown = unavailableProblem(1);
  const limits = rateLimit === undefined ? undefined : createRateLimitStep(rateLimit);
  const runtime = runtimeOf(keygate);
  const { now } = runtime;
  // Undefined without a listener: every `events?.…` below is then skipped and builds nothing.
  const events = createRequestEvents(runtime.emit, now, accessors);

  // A rejection after lookup: its event, then (with rate limits) a count against the client IP.
  const refuseCounted = (req: Req, reason: string, response: ProblemResponse, key?: ApiKey, keyId?: string) => {
    events?.failed(req, reason, key?.id ?? keyId, key?.owner);
    const outcome = refuse(response);
    const recorded = limits?.recordFailure(subjectOf(req));
    return recorded instanceof Promise ? recorded.then(() => outcome) : outcome;
  };
  // A response of the rate-limit step instead of the request: 429 (over a limit) or 503 (limiter down).
  const limited = (req: Req, response: ProblemResponse, key?: ApiKey): AuthOutcome => {
    if (response.status === 429) events?.rateLimited(req, key, response);
    else events?.failed(req, response.body.code, key?.id, key?.owner);
    return refuse(response);
  };
  const admitted = (req: Req, key: ApiKey, counted: RateLimitResult): AuthOutcome => {
    if (!counted.ok) return limited(req, counted.response, key);
    events?.verified(req, key);
    return counted.headers === undefined ? { ok: true, key } : { ok: true, key, headers: counted.headers };
  };
  // A verified key: its IP allowlist first (a refused address spends none of the key's quota), then its limits.
  const admit = (req: Req, verified: VerifiedResult): MaybePromise<AuthOutcome> => {
    const { key } = verified;
    if (key.allowedIps !== null && !ipAllowed(key, accessors.ip(req))) {
      return refuseCounted(req, 'ip_not_allowed', IP_NOT_ALLOWED, key);
    }
    if (limits === undefined) {
      events?.verified(req, key);
      return verified; // `{ ok: true, key }` already (frozen when cached): nothing to allocate
    }
    const counted = limits.consume(key);
    return counted instanceof Promise ? counted.then((c) => admitted(req, key, c)) : admitted(req, key, counted);
  };
  const afterVerify = (req: Req, result: VerifyResult): MaybePromise<AuthOutcome> => {
    if (result.ok) return admit(req, result);
    if (result.reason === 'busy') {
      events?.failed(req, 'busy', result.keyId);
      return refuse(unavailableProblem(Math.ceil((result.retryAfterMs ?? 1000) / 1000)));
    }
    if (result.reason === 'malformed') {
      events?.failed(req, 'malformed');
      return refuse(problems.malformed);
    }
    return refuseCounted(req, result.reason, problems[result.reason], undefined, result.keyId);
  };
  // The client a request counts as, for the failed-authentication guard and fair hashing.
  const subjectOf = (req: Req) => clientSubject(accessors.ip(req), ipv6Prefix);
  const verify = (req: Req, presented: string, client = subjectOf(req)): Promise<AuthOutcome> =>
    keygate.verify(presented, { client: client ?? UNKNOWN_CLIENT }).then(
      (result) => afterVerify(req, result),
      (error: unknown) => {
        onError(error);
        // Only an outage is worth a retry (503, Retry-After); anything else is our failure (500).
        const response = isKeygateError(error, 'store_unavailable') ? storeDown : INTERNAL_ERROR;
        events?.failed(req, response.body.code);
        return refuse(response);
      },
    );
  // An IP over its failed-authentication limit is answered before the store lookup and the hash.
  // The attempt holds a reservation of one of the client's failures until it is over.
  const guardThenVerify = (req: Req, presented: string, guard: RateLimitStep): MaybePromise<AuthOutcome> => {
    const subject = subjectOf(req);
    const answered = (answer: GuardAnswer): MaybePromise<AuthOutcome> => {
      if ('refused' in answer) return limited(req, answer.refused);
      return verify(req, presented, subject).finally(answer.release);
    };
    const answer = guard.checkFailures(subject);
    return answer instanceof Promise ? answer.then(answered) : answered(answer);
  };
  // Plain HTTP: refused whatever the key, before any lookup. The event names the id the key claims.
  const tlsRequired = (req: Req, credential: Credential): AuthOutcome => {
    if (events !== undefined) {
      const parsed = credential.kind === 'key' ? parseKey(credential.key) : undefined;
      events.failed(req, 'tls_required', parsed?.ok ? parsed.key.id : null);
    }
    return refuse(TLS_REQUIRED);
  };

  return (req) => {
    const raw = accessors.raw(req);
    const credential = read(req, raw);
    if (credential.kind === 'none') return optional ? ANONYMOUS : refuse(problems.missing);
    if (requireTls && !accessors.secure(req)) return tlsRequired(req, credential);
    if (credential.kind !== 'key') {
      events?.failed(req, credential.kind);
      return refuse(problems[credential.kind]);
    }
    const cached = runtime.peek(credential.key, raw.socket ?? undefined);
    if (cached !== undefined) return afterVerify(req, cached);
    return limits === undefined ? verify(req, credential.key) : guardThenVerify(req, credential.key, limits);
  };
}
