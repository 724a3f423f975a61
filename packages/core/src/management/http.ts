// What the management handler takes and answers, and the responses it builds.
import type { RequestContext } from '../events.js';
import { type ProblemCode, problem } from '../http/problem.js';
import { httpResponse, type KeygateResponse } from '../http/response.js';
import type { ApiKey } from '../key/record.js';

/** One request to the management routes, as an adapter hands it over. */
export interface ManagementRequest {
  /** HTTP method, e.g. `POST` (HEAD is answered as GET). */
  readonly method: string;
  /** The path below the mount point with its query string, e.g. `/keys/4Gq0T2mYb7cX` or `/keys?limit=20`. */
  readonly path: string;
  /**
   * The request's `Content-Type` header. POST, PATCH and DELETE need a JSON one even without a
   * body (415 otherwise), so that a cross-site form post can never reach the routes.
   */
  readonly contentType: string | undefined;
  /** The parsed JSON body, or undefined when the request had none. */
  readonly body?: unknown;
  /** The key the authentication middleware attached, if any. */
  readonly apiKey: ApiKey | null | undefined;
  /** Where the request came from, for audit events. Default: no request context. */
  readonly context?: RequestContext;
  /** The framework's request object, passed to `authorize` untouched. */
  readonly request?: unknown;
}

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });

/** A JSON answer. Every management response is `Cache-Control: no-store`: they describe keys, some carry one. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): KeygateResponse {
  return httpResponse(status, { ...JSON_HEADERS, ...headers }, body);
}

/** A problem+json answer; `field` names the input at fault. */
export function problemResponse(
  status: number,
  code: ProblemCode,
  detail: string,
  extra: { headers?: Record<string, string>; field?: string | undefined } = {},
): KeygateResponse {
  return problem(status, code, detail, extra.headers, extra.field === undefined ? {} : { field: extra.field });
}

/** 400 for a body that is not JSON. */
export const INVALID_JSON = problemResponse(400, 'invalid_request', 'The request body is not valid JSON.');
/** 415 for a body of another media type than JSON. */
export const NOT_JSON = problemResponse(415, 'unsupported_media_type', 'The request body must be application/json.');

/** 413 for a body over the limit. */
export function bodyTooLarge(limit: number): KeygateResponse {
  return problemResponse(413, 'payload_too_large', `The request body must be at most ${limit} bytes.`);
}
