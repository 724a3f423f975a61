/**
 * @keygate/core/adapter: what a framework adapter builds on, and nothing else. Applications do not
 * need it: they use `@keygate/core` and an adapter package. An adapter reads the request through
 * `RequestAccessors`, calls the authenticator, the scope guard or the management handler, and
 * writes the `KeygateResponse` they return with one `send()`.
 *
 * @example
 * ```ts
 * const authenticate = createAuthenticator(options, accessors);
 * const outcome = authenticate(req); // an AuthOutcome, or a promise of one on a cache miss
 * if (outcome instanceof Promise) outcome.then(finish); else finish(outcome);
 * ```
 */

/** Authentication of one request: credential sources, TLS, verification, allowlists, rate limits, events. */
export { type Authenticate, type AuthOutcome, createAuthenticator } from './http/authenticate.js';
/** How core reads a framework's request. */
export type { RawRequest, RequestAccessors } from './http/credentials.js';
/** Credit guards: spend a route's cost from the key's allowances, or the response refusing it. */
export { type CreditGuard, type CreditGuardResult, createCreditGuard } from './http/credit-guard.js';
/** Environment guards: the response for a key of another environment, or none. */
export { createEnvironmentGuard, type EnvironmentGuard } from './http/environment-guard.js';
/** What `hideCredentials` asks an adapter's `hide` accessor to remove from the framework's copies. */
export type { HiddenCredentials } from './http/hidden-credentials.js';
/** A route's OpenAPI security requirement, with the scopes of its guards (for route-aware adapters). */
export { createOpenApiRequirement, type RouteScopes } from './http/openapi.js';
/** An error answer: a KeygateResponse whose body is problem details. */
export type { ProblemResponse } from './http/problem.js';
/** Audit context of a request read through the accessors (route without query, client IP, capped user agent). */
export { requestContext } from './http/request-events.js';
/** Every HTTP answer keygate gives (status, headers, body as a value and as JSON text). */
export type { KeygateResponse } from './http/response.js';
/** Scope guards: the response for a key lacking scopes, or none. */
export { createScopeGuard, type ScopeGuard } from './http/scope-guard.js';
/** The leaked-key endpoint (GitHub secret scanning) and the raw-body reader its mounts use. */
export { createLeakedKeyHandler, type LeakedKeyHandler, type LeakReportRequest } from './leaks/index.js';
export { type RawBodyResult, readRawBody } from './management/body.js';
/** The key-management handler, and the body helpers its mounts use. */
export {
  bodyParseFailure,
  createManagementApi,
  isJsonContentType,
  isManagementPath,
  type JsonBodyResult,
  type ManagementHandler,
  type ManagementRequest,
  readJsonBody,
} from './management/index.js';
