// The OpenAPI description of keygate's authentication answers: the problem+json schema of
// problem.ts and the responses 400/401/403/429/500/503 with their headers.
import type { ProblemCode } from './problem.js';

/** A schema as OpenAPI 3.x writes it: the part of JSON Schema keygate uses. */
export type OpenApiSchema =
  | { type: 'array'; items: OpenApiSchema; description?: string }
  | {
      type: 'object' | 'string' | 'integer';
      description?: string;
      required?: string[];
      properties?: Record<string, OpenApiSchema>;
      enum?: string[];
      minimum?: number;
      maximum?: number;
    };

/** An OpenAPI 3.x response header. */
export interface OpenApiHeader {
  description: string;
  required: boolean;
  schema: OpenApiSchema;
}

/** An OpenAPI 3.x response whose body is problem details. */
export interface OpenApiResponse {
  description: string;
  headers: Record<string, OpenApiHeader>;
  content: Record<string, { schema: { $ref: string } }>;
}

/** The name of the problem details schema in `components.schemas`. */
export const PROBLEM_SCHEMA = 'KeygateProblem';

/** The codes authentication and its guards answer with (management routes have their own). */
const AUTH_CODES = [
  'missing',
  'malformed',
  'ambiguous',
  'invalid',
  'expired',
  'revoked',
  'disabled',
  'insufficient_scope',
  'wrong_environment',
  'ip_not_allowed',
  'tls_required',
  'quota_exceeded',
  'unavailable',
  'internal',
] as const satisfies readonly ProblemCode[];

/** RFC 9457 problem details with keygate's `code` and the extensions of its authentication answers. */
export const PROBLEM_SCHEMA_OBJECT: OpenApiSchema = {
  type: 'object',
  description: 'RFC 9457 problem details; branch on `code`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: '`about:blank`, or the URI of the problem type.' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'A human-readable explanation; never contains a key.' },
    code: { type: 'string', enum: [...AUTH_CODES], description: "keygate's stable machine-readable code." },
    requiredScopes: { type: 'array', items: { type: 'string' }, description: 'insufficient_scope: the scopes.' },
    match: { type: 'string', enum: ['all', 'any'], description: 'insufficient_scope: all or any of them.' },
    requiredEnvironment: { type: 'string', description: 'wrong_environment: the environment.' },
    'violated-policies': { type: 'array', items: { type: 'string' }, description: 'quota_exceeded: the policies.' },
  },
};

const header = (description: string, schema: OpenApiSchema, required = false): OpenApiHeader => ({
  description,
  required,
  schema,
});
const WWW_AUTHENTICATE = (required: boolean) =>
  header('RFC 6750 challenge, e.g. `Bearer realm="api", error="invalid_token"`.', { type: 'string' }, required);
const RETRY_AFTER = header('Seconds to wait before retrying.', { type: 'integer', minimum: 1 }, true);
const RATE_LIMIT = header('The remaining quota (draft-ietf-httpapi-ratelimit-headers).', { type: 'string' });
const RATE_LIMIT_POLICY = header('The quota policies (draft-ietf-httpapi-ratelimit-headers).', { type: 'string' });

function response(description: string, headers: Record<string, OpenApiHeader>): OpenApiResponse {
  return {
    description,
    headers,
    content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } },
  };
}

/** The shared responses, by status: their `components.responses` name and the response object. */
export const PROBLEM_RESPONSES: Readonly<Record<string, readonly [string, OpenApiResponse]>> = {
  '400': [
    'KeygateBadRequest',
    response('The key is malformed, or the request carries two different keys (`malformed`, `ambiguous`).', {
      'WWW-Authenticate': WWW_AUTHENTICATE(true),
    }),
  ],
  '401': [
    'KeygateUnauthorized',
    response('No key, or a key that is not valid, expired, revoked or disabled.', {
      'WWW-Authenticate': WWW_AUTHENTICATE(true),
    }),
  ],
  '403': [
    'KeygateForbidden',
    response('The key lacks a scope, is of another environment, is used from a refused address or over plain HTTP.', {
      'WWW-Authenticate': WWW_AUTHENTICATE(false),
    }),
  ],
  '429': [
    'KeygateTooManyRequests',
    response('The key or client is over a rate limit (`quota_exceeded`).', {
      'Retry-After': RETRY_AFTER,
      RateLimit: RATE_LIMIT,
      'RateLimit-Policy': RATE_LIMIT_POLICY,
    }),
  ],
  '503': [
    'KeygateUnavailable',
    response('Keys or rate limits cannot be checked right now (`unavailable`).', { 'Retry-After': RETRY_AFTER }),
  ],
  '500': ['KeygateInternalError', response('The key could not be checked for a reason other than an outage.', {})],
};
