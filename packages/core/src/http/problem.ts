import type { ScopeMatch } from '../key/scopes.js';
import { httpResponse, type KeygateResponse } from './response.js';

/** Stable machine-readable codes of every keygate HTTP error. */
export type ProblemCode =
  | 'missing'
  | 'malformed'
  | 'ambiguous'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'disabled'
  | 'insufficient_scope'
  | 'wrong_environment'
  | 'quota_exceeded'
  | 'unavailable'
  // Per-key access restrictions (403):
  | 'ip_not_allowed'
  | 'tls_required'
  // Key management routes:
  | 'invalid_request'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'limit_exceeded'
  | 'payload_too_large'
  | 'unsupported_media_type'
  // Leaked-key reports (a report not signed by a known key):
  | 'invalid_signature'
  | 'internal';

/** An RFC 9457 problem details body, with keygate's `code` extension. */
export interface ProblemDetails {
  /** `about:blank`, or a URI naming the problem type (e.g. the IANA `quota-exceeded` type of a 429). */
  readonly type: string;
  /** A short summary: the status's title (e.g. `Unauthorized`), or the problem type's. */
  readonly title: string;
  /** The HTTP status, as on the response. */
  readonly status: number;
  /** A human-readable explanation of this occurrence; never contains a key. */
  readonly detail: string;
  /** keygate's stable machine-readable code: branch on it. */
  readonly code: ProblemCode;
  /** Extensions of some answers, e.g. `field` (the input at fault) or `violated-policies` (a 429). */
  readonly [extension: string]: unknown;
}

/** A complete HTTP error: a {@link KeygateResponse} whose body is problem details. */
export type ProblemResponse = KeygateResponse<ProblemDetails> & { readonly json: string };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Builds a frozen problem response; `extensions` are added to the body and may override `type` and `title`. */
export function problem(
  status: number,
  code: ProblemCode,
  detail: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): ProblemResponse {
  const body = Object.freeze({
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extensions,
  });
  const headerSet = { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers };
  return httpResponse(status, headerSet, body as ProblemDetails) as ProblemResponse;
}

/** `WWW-Authenticate: Bearer realm="…"` with optional RFC 6750 attributes. */
export function bearerChallenge(realm: string, attributes: Record<string, string> = {}): string {
  let value = `Bearer realm="${realm}"`;
  for (const [name, attr] of Object.entries(attributes)) value += `, ${name}="${attr}"`;
  return value;
}

/** The fixed responses of authentication failures for one realm (RFC 6750 §3, RFC 9457 bodies). */
export function authProblems(realm: string) {
  const challenge = (error?: string) => ({ 'www-authenticate': bearerChallenge(realm, error ? { error } : {}) });
  return Object.freeze({
    missing: problem(401, 'missing', 'An API key is required.', challenge()),
    malformed: problem(400, 'malformed', 'The API key is malformed.', challenge('invalid_request')),
    ambiguous: problem(400, 'ambiguous', 'The request carries more than one API key.', challenge('invalid_request')),
    invalid: problem(401, 'invalid', 'The API key is not valid.', challenge('invalid_token')),
    expired: problem(401, 'expired', 'The API key has expired.', challenge('invalid_token')),
    revoked: problem(401, 'revoked', 'The API key has been revoked.', challenge('invalid_token')),
    disabled: problem(401, 'disabled', 'The API key is disabled.', challenge('invalid_token')),
  });
}

/** 403 for a valid key used from an address outside its allowlist; never says which addresses are allowed. */
export const IP_NOT_ALLOWED: ProblemResponse = problem(
  403,
  'ip_not_allowed',
  'The API key may not be used from this network address.',
);

/** 403 for a key sent over plain HTTP when `requireTls` is on. */
export const TLS_REQUIRED: ProblemResponse = problem(
  403,
  'tls_required',
  'HTTPS is required: API keys must not be sent over plain HTTP. Treat a key sent that way as exposed.',
);

/**
 * 500 for a failure to check a key that is not an outage (a bug, or a misconfigured store such as
 * a missing table): retrying will not help, so no `Retry-After`. The error goes to `onError`, never
 * into the response.
 */
export const INTERNAL_ERROR: ProblemResponse = problem(
  500,
  'internal',
  'An internal error prevented checking the API key.',
);

/** 503 for when keys cannot be checked right now (store down, verification queue full). */
export function unavailableProblem(retryAfterSeconds: number): ProblemResponse {
  return problem(503, 'unavailable', 'The API key cannot be checked right now; retry later.', {
    'retry-after': String(retryAfterSeconds),
  });
}

/** 403 naming the scopes a route needs (RFC 6750 `insufficient_scope`). */
export function insufficientScopeProblem(
  realm: string,
  required: readonly string[],
  match: ScopeMatch,
): ProblemResponse {
  const scope = required.join(' ');
  const detail =
    match === 'all' || required.length === 1
      ? `The API key lacks a required scope: ${scope}.`
      : `The API key needs one of the scopes: ${scope}.`;
  return problem(
    403,
    'insufficient_scope',
    detail,
    { 'www-authenticate': bearerChallenge(realm, { error: 'insufficient_scope', scope }) },
    { requiredScopes: [...required], match },
  );
}

/** 403 for a key of another environment than the route requires (see createEnvironmentGuard). */
export function wrongEnvironmentProblem(required: string): ProblemResponse {
  return problem(
    403,
    'wrong_environment',
    `The API key is not a key of the ${required} environment.`,
    {},
    { requiredEnvironment: required },
  );
}
