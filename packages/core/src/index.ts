/**
 * @keygate/core: framework-agnostic API-key authentication.
 * Key format and parsing, hashing, verification with a cache, scopes, stores, key management
 * and rate limiting. Redis and PostgreSQL live in `@keygate/core/redis` and `@keygate/core/postgres`;
 * what framework adapters build on, in `@keygate/core/adapter`.
 */

export { MemoryAuditSink, type MemoryAuditSinkOptions } from './audit/memory.js';
/** Audit log: the sink contract of createKeygate's `audit` option, its queries, and an in-memory sink for tests. */
export type { AuditSinkOptions } from './audit/options.js';
export type { AuditPage, AuditQuery, AuditSink } from './audit/sink.js';
/** Credit allowances: the refill plan and the stored state, and the `credits` option of createKeygate. */
export type { CreditRefill, CreditState } from './credits/allowance.js';
/** `keygate.credits`: reading and changing allowances. */
export type { CreditCallOptions, CreditManager, Credits, CreditsInput, CreditsOf } from './credits/manager.js';
export type { CreditOptions } from './credits/options.js';
export type { KeygateErrorCode } from './errors.js';
/** Errors. */
export { isKeygateError, KeygateError } from './errors.js';
export type {
  AuditEvent,
  AuditEventType,
  AuditFailureReason,
  AuditListener,
  CreditsEventDetail,
  LeakDetails,
  RequestContext,
} from './events.js';
/** Audit events: the context of an event raised outside any request. */
export { NO_REQUEST } from './events.js';
export type { Hasher } from './hashing/hasher.js';
export type { HmacHasherOptions } from './hashing/hmac.js';
export { hmacSha256Hasher } from './hashing/hmac.js';
export type { ScryptHasherOptions } from './hashing/scrypt.js';
/** Hashers: HMAC-SHA-256 (the default) and scrypt. */
export { scryptHasher } from './hashing/scrypt.js';
/** Options of every adapter's authentication middleware, and where keys may come from. */
export type { AuthOptions } from './http/authenticate.js';
export type { KeySource } from './http/credentials.js';
export { DEFAULT_KEY_SOURCES } from './http/credentials.js';
/** Options and cost of every adapter's `requireCredits`. */
export type { CreditCost, CreditGuardOptions } from './http/credit-guard.js';
export type { EnvironmentGuardOptions } from './http/environment-guard.js';
/** pino `redact` paths for where the configured sources put a key in a logged request. */
export { type PinoRedactOptions, pinoRedactPaths } from './http/log-redaction.js';
/** OpenAPI 3.x security schemes, requirement and problem responses for the configured sources. */
export {
  type OpenApiHeader,
  type OpenApiResponse,
  type OpenApiSchema,
  type OpenApiSecurity,
  type OpenApiSecurityOptions,
  type OpenApiSecurityScheme,
  openApiSecurity,
  type SecurityRequirement,
} from './http/openapi.js';
/** The stable `code` and body of keygate's problem+json responses. */
export type { ProblemCode, ProblemDetails } from './http/problem.js';
/** Options of every adapter's `requireScopes`. */
export type { ScopeGuardOptions } from './http/scope-guard.js';
export type { KeyParseError, KeyParseResult, ParsedKey } from './key/format.js';
/** Key format: generation, parsing and scanner patterns. */
export {
  assertPrefix,
  generateKey,
  isKeyId,
  KEY_CHECKSUM_LENGTH,
  KEY_ID_LENGTH,
  KEY_PATTERN,
  KEY_SECRET_LENGTH,
  keyPattern,
  MAX_KEY_LENGTH,
  MAX_PREFIX_LENGTH,
  parseKey,
} from './key/format.js';
export type { ApiKey, JsonValue, KeyRecord, KeyRecordPatch, RateLimitPolicy } from './key/record.js';
/** Blanks every key out of free text, plain or percent-encoded (as audit events and the CLI do). */
export { redactKeys } from './key/redaction.js';
export type { ScopeMatch } from './key/scopes.js';
/** Scopes. */
export { assertGrantableScope, assertRequirableScope, hasScopes } from './key/scopes.js';
/** Creates a configured keygate instance. */
export { createKeygate } from './keygate/create.js';
export type { Keygate } from './keygate/instance.js';
export type { KeygateOptions } from './keygate/options.js';
/** Options of every adapter's leaked-key endpoint (GitHub secret scanning), and the labels it answers. */
export type { LeakAction, LeakedKeyOptions, PublicKeyLookup, TokenLabel } from './leaks/index.js';
export type { KeyPowers, PowerField } from './lifecycle/delegation.js';
/** The delegation rule: the field in which one key is more powerful than another, and the rule for credits. */
export { exceedingPower, exceedsCredits } from './lifecycle/delegation.js';
/** The `expiry` option of createKeygate: the key lifetime policy. */
export type { ExpiryOptions } from './lifecycle/expiry-policy.js';
export type { CreateKeyInput, UpdateKeyInput } from './lifecycle/input.js';
/** Cross-instance cache invalidation: the bus contract of the `invalidation` option (see RedisInvalidationBus). */
export type { CacheInvalidation, InvalidationHandlers } from './lifecycle/invalidation.js';
/** The `lastUsed` option of createKeygate: `false`, or `{ intervalMs?, maxEntries? }`. */
export type { LastUsedOptions } from './lifecycle/last-used.js';
/** Limits of per-key rate-limit policies and IP allowlists. */
export { MAX_ALLOWED_IPS, MAX_KEY_RATE_LIMITS } from './lifecycle/limits.js';
/** Key management (`keygate.keys`): the manager's type, and what its methods take and return. */
export type {
  Actor,
  ActorOptions,
  ChangeOptions,
  CreatedKey,
  CreateOptions,
  FindKeysOptions,
  KeyManager,
  ListOptions,
  RotatedKey,
  RotateOptions,
} from './lifecycle/manager.js';
export type { KeyListState, KeyPage, ListKeysOptions } from './lifecycle/page.js';
/** An allowance as JSON (`refillAt` an ISO string), as the management routes answer it. */
export { creditsJson as creditsToJson } from './management/credits.js';
/** An audit event as JSON (`time` an ISO string), as `GET /keys/:id/events` answers it. */
export { eventJson as auditEventToJson } from './management/events.js';
/** Options of every adapter's key-management routes. */
export type {
  ManagementAuthorize,
  ManagementCaller,
  ManagementGrant,
  ManagementOptions,
  MetadataPolicy,
} from './management/index.js';
/** A key as JSON: public fields only (never a hash), dates as ISO strings, as the management routes answer. */
export { keyJson as keyToJson } from './management/input.js';
/** Rate limiting: GCRA limiters and named policies (the `rateLimit` option of the adapters). */
export type { PolicyState, RateLimitDecision, RateLimiter, RateLimitPart } from './rate-limit/limiter.js';
export { MemoryRateLimiter, type MemoryRateLimiterOptions } from './rate-limit/memory-limiter.js';
export type { FailedAuthLimitOptions, RateLimitOptions, StoreErrorPolicy } from './rate-limit/options.js';
/** Who a limit counts: the `rateLimit.subject` and `rateLimit.owner` options. */
export type { OwnerLimitOptions, RateLimitSubject } from './rate-limit/subject-options.js';
/** The credit allowances a store keeps (the built-in stores implement it). */
export type { CreditSpend, CreditStore, CreditTarget } from './stores/credit-store.js';
/** Stores and records. */
export { MemoryStore } from './stores/memory.js';
export type {
  CreateRecordOptions,
  FindRecordsOptions,
  FoundPage,
  FoundPosition,
  KeyStore,
  LastUsedUpdate,
  ListRecordsOptions,
  RecordPage,
  RecordPosition,
  RecordRotation,
  UpdateRecordOptions,
} from './stores/store.js';
/** Telemetry: the hooks of createKeygate's `telemetry` option (see openTelemetry() of `@keygate/core/otel`). */
export type {
  AuthenticationOutcome,
  AuthenticationReport,
  KeygateTelemetry,
  RateLimitVerdict,
  TelemetryGauges,
  TelemetryStore,
} from './telemetry/telemetry.js';
/** Verification results. */
export type { VerifyFailureReason, VerifyResult } from './verify/verifier.js';
