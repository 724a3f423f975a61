/**
 * @keygate/core: framework-agnostic API-key authentication.
 * Key format and parsing, hashing, verification with a cache, scopes, stores, and the HTTP
 * mapping every adapter shares.
 */

/** Audit context of a request read through adapter accessors (route without query, client IP, capped user agent). */
export { MAX_ROUTE_PATH_LENGTH, MAX_USER_AGENT_LENGTH, requestContext } from './auth-context.js';
export type { Authenticate, AuthOptions, AuthOutcome } from './authenticate.js';
export { createAuthenticator } from './authenticate.js';
export type { KeySource, RawRequest, RequestAccessors } from './credentials.js';
/** The HTTP layer adapters share: credential sources, authentication, scope guards, problem responses. */
export { DEFAULT_KEY_SOURCES } from './credentials.js';
export type { KeygateErrorCode } from './errors.js';
/** Errors. */
export { isKeygateError, KeygateError } from './errors.js';
export type { AuditEvent, AuditEventType, AuditListener, RequestContext } from './events.js';
/** Audit events: the context of an event raised outside any request. */
export { NO_REQUEST } from './events.js';
export type { ScopeGuard, ScopeGuardOptions } from './guard.js';
export { createScopeGuard } from './guard.js';
export type { Hasher } from './hash.js';
export type { HmacHasherOptions } from './hash-hmac.js';
export { hmacSha256Hasher } from './hash-hmac.js';
export type { ScryptHasherOptions } from './hash-scrypt.js';
/** Hashers: scrypt (default) and HMAC-SHA-256. */
export { scryptHasher } from './hash-scrypt.js';
/** Cross-instance cache invalidation: the bus contract of the `invalidation` option (see RedisInvalidationBus). */
export type { CacheInvalidation, InvalidationHandlers } from './invalidation.js';
/** Per-key IP allowlists: whether a client address may use a key (IPv4, IPv6, CIDR; IPv4-mapped IPv6 as IPv4). */
export { ipAllowed } from './ip-allowlist.js';
export type { KeyParseError, KeyParseResult, ParsedKey } from './key-format.js';
/** Key format: generation, parsing and scanner patterns. */
export {
  assertPrefix,
  generateKey,
  KEY_CHECKSUM_LENGTH,
  KEY_ID_LENGTH,
  KEY_PATTERN,
  KEY_SECRET_LENGTH,
  keyPattern,
  MAX_KEY_LENGTH,
  MAX_PREFIX_LENGTH,
  parseKey,
} from './key-format.js';
export type { CreateKeyInput, UpdateKeyInput } from './key-input.js';
/** Limits of per-key rate-limit policies and IP allowlists. */
export { MAX_ALLOWED_IPS, MAX_KEY_RATE_LIMITS } from './key-limits.js';
export type { Keygate, KeygateOptions } from './keygate.js';
/** Creates a configured keygate instance. */
export { createKeygate } from './keygate.js';
/** The `lastUsed` option of createKeygate: `false`, or `{ intervalMs?, maxEntries? }`. */
export type { LastUsedOptions } from './last-used.js';
/** Key-management HTTP routes, framework-agnostic: each adapter mounts them. */
export {
  bodyTooLarge,
  createManagementApi,
  DEFAULT_MANAGEMENT_BODY_LIMIT,
  hasBody,
  INVALID_JSON,
  isJsonContentType,
  isManagementPath,
  type JsonBodyResult,
  type ManagementAuthorize,
  type ManagementCaller,
  type ManagementHandler,
  type ManagementOptions,
  type ManagementRequest,
  type ManagementResponse,
  NOT_JSON,
  parseJsonText,
  readJsonBody,
} from './management/index.js';
export type { CreatedKey, KeyManagerConfig, RotatedKey, RotateOptions } from './manager.js';
/** Key management. */
export { KeyManager } from './manager.js';
/** Stores and records. */
export { MemoryStore } from './memory-store.js';
export type { ProblemCode, ProblemDetails, ProblemResponse } from './problem.js';
/** The 403 responses of per-key access restrictions: `ip_not_allowed` and `tls_required`. */
export { IP_NOT_ALLOWED, TLS_REQUIRED } from './problem.js';
/** Rate limiting: GCRA limiters, named policies, RateLimit headers and the step adapters run around verification. */
export {
  formatRateLimit,
  formatRateLimitPolicy,
  type RateLimitHeaderOptions,
  rateLimitHeaders,
} from './rate-limit/headers.js';
export type { MaybePromise, PolicyState, RateLimitDecision, RateLimiter } from './rate-limit/limiter.js';
export { MemoryRateLimiter, type MemoryRateLimiterOptions } from './rate-limit/memory-limiter.js';
export type { FailedAuthLimitOptions, RateLimitOptions, StoreErrorPolicy } from './rate-limit/options.js';
export { QUOTA_EXCEEDED_TYPE, quotaExceededProblem } from './rate-limit/problem.js';
export { createRateLimitStep, type RateLimitResult, type RateLimitStep } from './rate-limit/step.js';
export type { ApiKey, JsonValue, KeyRecord, KeyRecordPatch, RateLimitPolicy } from './record.js';
export type { ScopeMatch } from './scopes.js';
/** Scopes. */
export { assertGrantableScope, assertRequirableScope, hasScopes } from './scopes.js';
export type { CreateRecordOptions, KeyStore } from './store.js';
/** Verification results. */
export type { VerifyFailureReason, VerifyResult } from './verify.js';
