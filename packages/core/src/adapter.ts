/**
 * @keygate/core/adapter: what a framework adapter builds on. Applications do not need it: they
 * use `@keygate/core` and an adapter package. An adapter reads the request through
 * `RequestAccessors`, calls the authenticator, guard or management handler, and writes the
 * response they return — nothing more.
 */

export type { Authenticate, AuthOutcome } from './http/authenticate.js';
/** Authentication of one request: credential sources, TLS, verification, allowlists, rate limits, events. */
export { createAuthenticator } from './http/authenticate.js';
/** How core reads a framework's request. */
export type { RawRequest, RequestAccessors } from './http/credentials.js';
export type { ProblemResponse } from './http/problem.js';
export { IP_NOT_ALLOWED, TLS_REQUIRED } from './http/problem.js';
export { QUOTA_EXCEEDED_TYPE, quotaExceededProblem } from './http/rate-limit-problem.js';
export { createRateLimitStep, type RateLimitResult, type RateLimitStep } from './http/rate-limit-step.js';
/** Audit context of a request read through the accessors (route without query, client IP, capped user agent). */
export { MAX_ROUTE_PATH_LENGTH, MAX_USER_AGENT_LENGTH, requestContext } from './http/request-events.js';
/** Every HTTP answer keygate gives (status, headers, body as a value and as JSON text); errors are problem+json. */
export type { KeygateResponse } from './http/response.js';
export type { ScopeGuard } from './http/scope-guard.js';
/** Scope guards: the response for a key lacking scopes, or none. */
export { createScopeGuard } from './http/scope-guard.js';
/** Per-key IP allowlists: whether a client address may use a key. */
export { ipAllowed } from './key/allowlist.js';
/** The key-management handler set and the body helpers its mounts use. */
export {
  bodyParseFailure,
  createManagementApi,
  DEFAULT_MANAGEMENT_BODY_LIMIT,
  isJsonContentType,
  isManagementPath,
  type JsonBodyResult,
  type ManagementHandler,
  type ManagementRequest,
  type ManagementResponse,
  readJsonBody,
} from './management/index.js';
/** Rate limiting as the authenticator runs it, and its headers and 429 body. */
export {
  formatRateLimit,
  formatRateLimitPolicy,
  type RateLimitHeaderOptions,
  rateLimitHeaders,
} from './rate-limit/headers.js';
export type { MaybePromise } from './rate-limit/limiter.js';
