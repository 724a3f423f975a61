/**
 * @keygate/core: framework-agnostic API-key authentication.
 * Key format and parsing, hashing, verification with a cache, scopes, stores, and the HTTP
 * mapping every adapter shares.
 */

export type { Authenticate, AuthOptions, AuthOutcome } from './authenticate.js';
export { createAuthenticator } from './authenticate.js';
export type { KeySource, RawRequest, RequestAccessors } from './credentials.js';
/** The HTTP layer adapters share: credential sources, authentication, scope guards, problem responses. */
export { DEFAULT_KEY_SOURCES } from './credentials.js';
export type { KeygateErrorCode } from './errors.js';
/** Errors. */
export { isKeygateError, KeygateError } from './errors.js';
export type { ScopeGuard, ScopeGuardOptions } from './guard.js';
export { createScopeGuard } from './guard.js';
export type { Hasher } from './hash.js';
export type { HmacHasherOptions } from './hash-hmac.js';
export { hmacSha256Hasher } from './hash-hmac.js';
export type { ScryptHasherOptions } from './hash-scrypt.js';
/** Hashers: scrypt (default) and HMAC-SHA-256. */
export { scryptHasher } from './hash-scrypt.js';
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
export type { CreateKeyInput } from './key-input.js';
export type { Keygate, KeygateOptions } from './keygate.js';
/** Creates a configured keygate instance. */
export { createKeygate } from './keygate.js';
export type { CreatedKey } from './manager.js';
/** Key management. */
export { KeyManager } from './manager.js';
/** Stores and records. */
export { MemoryStore } from './memory-store.js';
export type { ProblemCode, ProblemDetails, ProblemResponse } from './problem.js';
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
