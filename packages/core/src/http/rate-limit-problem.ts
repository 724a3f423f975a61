import { type ProblemResponse, problem } from './problem.js';

/** The problem type of draft-ietf-httpapi-ratelimit-headers for a request over its quota. */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/**
 * 429 with a `quota-exceeded` problem body naming the violated policies. `headers` must hold
 * `retry-after` (whole seconds, at least 1) and, when known, the RateLimit fields.
 */
export function quotaExceededProblem(
  violated: readonly string[],
  retryAfterSeconds: number,
  headers: Record<string, string>,
  detail = `The request quota is used up; retry in ${retryAfterSeconds} s.`,
): ProblemResponse {
  return problem(429, 'quota_exceeded', detail, headers, {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    'violated-policies': [...violated],
  });
}

/** 503 for when rate limits cannot be checked and `onStoreError` is `closed`: no internal detail. */
export const RATE_LIMIT_UNAVAILABLE: ProblemResponse = problem(
  503,
  'unavailable',
  'The request cannot be served right now; retry later.',
  { 'retry-after': '1' },
);
