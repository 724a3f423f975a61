import { isKeygateError } from '../errors.js';
import type { AuditFailureReason } from '../events.js';
import { ipAllowed } from '../key/allowlist.js';
import { parseKey } from '../key/format.js';
import type { ApiKey } from '../key/record.js';
import { type KeygateRuntime, runtimeOf } from '../keygate/instance.js';
import type { MaybePromise } from '../rate-limit/limiter.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';
import type { VerifiedResult, VerifyResult } from '../verify/verifier.js';
import { clientSubject, UNKNOWN_CLIENT } from './client-subject.js';
import { type Credential, createCredentialReader, type RequestAccessors } from './credentials.js';
import { type CredentialHider, createCredentialHider } from './hide-credentials.js';
import { type AuthOptions, type ResolvedAuthOptions, resolveAuthOptions } from './options.js';
import {
  authProblems,
  INTERNAL_ERROR,
  IP_NOT_ALLOWED,
  type ProblemResponse,
  TLS_REQUIRED,
  unavailableProblem,
} from './problem.js';
import { createRateLimitStep, type GuardAnswer, type RateLimitResult, type RateLimitStep } from './rate-limit-step.js';
import { createRequestEvents, type RequestEvents, requestContext } from './request-events.js';

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
const STORE_DOWN = unavailableProblem(1);

/**
 * Builds the whole authentication step for an adapter: read the credential, require TLS, verify
 * the key, check its IP allowlist and rate limits, and map every failure to its HTTP response.
 * With an `onEvent` listener on the keygate, each request with a key emits `verified`, `failed`
 * (with a `reason`) or `rate_limited`. Options are resolved here, once (`invalid_options` if bad).
 *
 * @example
 * ```ts
 * const accessors: RequestAccessors<IncomingMessage> = {
 *   raw: (req) => req,
 *   ip: (req) => req.socket.remoteAddress,
 *   secure: () => false, // a plain node:http server
 * };
 * const authenticate = createAuthenticator({ keygate }, accessors);
 * const outcome = await authenticate(req); // synchronous on a cache hit: adapters await only a promise
 * if (!outcome.ok) send(res, outcome.response); // else outcome.key, and outcome.headers to set
 * ```
 */
export function createAuthenticator<Req>(options: AuthOptions, accessors: RequestAccessors<Req>): Authenticate<Req> {
  const authenticator = new Authenticator(resolveAuthOptions(options), accessors);
  return (req) => authenticator.authenticate(req);
}

/**
 * One request's way through authentication, in the order it happens: `authenticate` reads the
 * credential and answers from the cache synchronously when it can; `verify` is the way through the
 * store; `settle` turns a verification into an answer, and `admit` checks a verified key's
 * allowlist and limits. Every answer (and its event) is built by a method named for it.
 */
class Authenticator<Req> {
  readonly #config: ResolvedAuthOptions;
  readonly #accessors: RequestAccessors<Req>;
  readonly #read: ReturnType<typeof createCredentialReader<Req>>;
  // Undefined unless `hideCredentials`: the request's credentials are then left as they are.
  readonly #hide: CredentialHider<Req> | undefined;
  readonly #problems: ReturnType<typeof authProblems>;
  readonly #limits: RateLimitStep | undefined;
  readonly #runtime: KeygateRuntime;
  // Undefined without a listener and telemetry: every `#events?.…` below is then skipped and builds nothing.
  readonly #events: RequestEvents<Req> | undefined;
  // Undefined without the `telemetry` option: every `#telemetry?.…` below is then skipped.
  readonly #telemetry: KeygateTelemetry | undefined;

  constructor(config: ResolvedAuthOptions, accessors: RequestAccessors<Req>) {
    this.#config = config;
    this.#accessors = accessors;
    this.#read = createCredentialReader(config.sources, accessors);
    this.#hide = createCredentialHider(config.hideCredentials, config.sources, accessors);
    this.#problems = authProblems(config.realm);
    this.#limits = config.rateLimit === undefined ? undefined : createRateLimitStep(config.rateLimit);
    this.#runtime = runtimeOf(config.keygate);
    this.#telemetry = this.#runtime.telemetry;
    this.#events = createRequestEvents(this.#runtime.emit, this.#runtime.now, accessors, this.#telemetry);
  }

  /** Answers one request; synchronously when its key is in the verified-key cache. */
  authenticate(req: Req): MaybePromise<AuthOutcome> {
    const raw = this.#accessors.raw(req);
    const credential = this.#read(req, raw);
    if (credential.kind === 'none') return this.#config.optional ? ANONYMOUS : refuse(this.#problems.missing);
    if (this.#hide !== undefined) this.#hide(req, raw);
    if (this.#config.requireTls && !this.#accessors.secure(req)) return this.#tlsRequired(req, credential);
    if (credential.kind !== 'key') {
      this.#events?.failed(req, credential.kind);
      return refuse(this.#problems[credential.kind]);
    }
    const cached = this.#runtime.peek(credential.key, raw.socket ?? undefined);
    this.#telemetry?.cache(req, cached !== undefined);
    if (cached !== undefined) return this.#settle(req, cached);
    return this.#limits === undefined ? this.#verify(req, credential.key) : this.#guardThenVerify(req, credential.key);
  }

  // An IP over its failed-authentication limit is answered before the store lookup and the hash.
  // The attempt holds a reservation of one of the client's failures until it is over.
  #guardThenVerify(req: Req, presented: string): MaybePromise<AuthOutcome> {
    const subject = this.#subjectOf(req);
    const answer = (this.#limits as RateLimitStep).checkFailures(subject);
    return answer instanceof Promise
      ? answer.then((settled) => this.#afterGuard(req, presented, subject, settled))
      : this.#afterGuard(req, presented, subject, answer);
  }

  #afterGuard(
    req: Req,
    presented: string,
    subject: string | undefined,
    answer: GuardAnswer,
  ): MaybePromise<AuthOutcome> {
    if ('refused' in answer) return this.#limited(req, answer.refused);
    return this.#verify(req, presented, subject).finally(answer.release);
  }

  #verify(req: Req, presented: string, client = this.#subjectOf(req)): Promise<AuthOutcome> {
    return this.#config.keygate.verify(presented, { client: client ?? UNKNOWN_CLIENT }).then(
      (result) => this.#settle(req, result),
      (error: unknown) => this.#storeFailed(req, error),
    );
  }

  #settle(req: Req, result: VerifyResult): MaybePromise<AuthOutcome> {
    if (result.ok) return this.#admit(req, result);
    if (result.reason === 'busy') {
      this.#events?.failed(req, 'busy', result.keyId);
      return refuse(unavailableProblem(Math.ceil((result.retryAfterMs ?? 1000) / 1000)));
    }
    if (result.reason === 'malformed') {
      this.#events?.failed(req, 'malformed');
      return refuse(this.#problems.malformed);
    }
    return this.#refuseCounted(req, result.reason, this.#problems[result.reason], undefined, result.keyId);
  }

  // A verified key: its IP allowlist first (a refused address spends none of the key's quota), then its limits.
  #admit(req: Req, verified: VerifiedResult): MaybePromise<AuthOutcome> {
    const { key } = verified;
    if (key.allowedIps !== null && !ipAllowed(key, this.#accessors.ip(req))) {
      return this.#refuseCounted(req, 'ip_not_allowed', IP_NOT_ALLOWED, key);
    }
    if (this.#limits === undefined) {
      this.#events?.verified(req, key);
      return verified; // `{ ok: true, key }` already (frozen when cached): nothing to allocate
    }
    // A `rateLimit.subject` function gets the request's context (what events carry), built only then.
    const limits = this.#limits;
    const counted = limits.needsRequest
      ? limits.consume(key, requestContext(req, this.#accessors))
      : limits.consume(key);
    return counted instanceof Promise
      ? counted.then((settled) => this.#admitted(req, key, settled))
      : this.#admitted(req, key, counted);
  }

  #admitted(req: Req, key: ApiKey, counted: RateLimitResult): AuthOutcome {
    if (!counted.ok) return this.#limited(req, counted.response, key, counted.error);
    this.#telemetry?.rateLimit(req, 'allowed');
    this.#events?.verified(req, key);
    return counted.headers === undefined ? { ok: true, key } : { ok: true, key, headers: counted.headers };
  }

  // A response of the rate-limit step instead of the request: 429 (over a limit), 503 (limiter
  // down) or 500 with its `error` (no subject to count the request under).
  #limited(req: Req, response: ProblemResponse, key?: ApiKey, error?: unknown): AuthOutcome {
    const over = response.status === 429;
    if (this.#telemetry !== undefined && error === undefined) {
      this.#telemetry.rateLimit(req, over ? 'limited' : 'unavailable');
      if (!over) this.#telemetry.storeUnavailable('rate_limit');
    }
    if (over) this.#events?.rateLimited(req, key, response);
    else if (error === undefined) this.#events?.failed(req, 'unavailable', key?.id, key?.owner);
    else {
      this.#config.onError(error);
      this.#events?.failed(req, 'internal', key?.id, key?.owner);
    }
    return refuse(response);
  }

  // A rejection after lookup: its event, then (with rate limits) a count against the client IP.
  #refuseCounted(
    req: Req,
    reason: AuditFailureReason,
    response: ProblemResponse,
    key?: ApiKey,
    keyId?: string,
  ): MaybePromise<AuthOutcome> {
    this.#events?.failed(req, reason, key?.id ?? keyId, key?.owner);
    const outcome = refuse(response);
    const recorded = this.#limits?.recordFailure(this.#subjectOf(req));
    return recorded instanceof Promise ? recorded.then(() => outcome) : outcome;
  }

  // Only an outage is worth a retry (503, Retry-After); anything else is our failure (500).
  #storeFailed(req: Req, error: unknown): AuthOutcome {
    this.#config.onError(error);
    const down = isKeygateError(error, 'store_unavailable');
    if (down) this.#telemetry?.storeUnavailable('keys');
    this.#events?.failed(req, down ? 'unavailable' : 'internal');
    const response = down ? STORE_DOWN : INTERNAL_ERROR;
    return refuse(response);
  }

  // Plain HTTP: refused whatever the key, before any lookup. The event names the id the key claims.
  #tlsRequired(req: Req, credential: Credential): AuthOutcome {
    if (this.#events !== undefined) {
      const parsed = credential.kind === 'key' ? parseKey(credential.key) : undefined;
      this.#events.failed(req, 'tls_required', parsed?.ok ? parsed.key.id : null);
    }
    return refuse(TLS_REQUIRED);
  }

  // The client a request counts as, for the failed-authentication guard and fair hashing.
  #subjectOf(req: Req): string | undefined {
    return clientSubject(this.#accessors.ip(req), this.#config.ipv6Prefix);
  }
}
