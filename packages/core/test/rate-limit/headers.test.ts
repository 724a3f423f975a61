import { describe, expect, it } from 'vitest';
import { QUOTA_EXCEEDED_TYPE, quotaExceededProblem } from '../../src/http/rate-limit-problem.js';
import { formatRateLimit, formatRateLimitPolicy, rateLimitHeaders } from '../../src/rate-limit/headers.js';
import type { RateLimitDecision } from '../../src/rate-limit/limiter.js';
import { manualClock } from '../support/clock.js';

const burst = { name: 'burst', limit: 20, windowSeconds: 1 };
const daily = { name: 'daily', limit: 10_000, windowSeconds: 86_400 };

const denied: RateLimitDecision = {
  allowed: false,
  policies: [
    { policy: burst, remaining: 0, resetSeconds: 1 },
    { policy: daily, remaining: 9_980, resetSeconds: 173 },
  ],
  retryAfterSeconds: 1,
  violated: ['burst'],
};

describe('RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  it('writes RateLimit-Policy as a list of named policies with quota and window', () => {
    expect(formatRateLimitPolicy([burst, daily])).toBe('"burst";q=20;w=1, "daily";q=10000;w=86400');
  });

  it('writes RateLimit as a list of named policies with remaining units and reset seconds', () => {
    expect(formatRateLimit(denied.policies)).toBe('"burst";r=0;t=1, "daily";r=9980;t=173');
  });

  it('escapes quotes and backslashes in a policy name', () => {
    expect(formatRateLimitPolicy([{ name: 'a"b\\c', limit: 1, windowSeconds: 1 }])).toBe('"a\\"b\\\\c";q=1;w=1');
  });

  it('adds Retry-After in whole seconds to a denied decision', () => {
    expect(rateLimitHeaders(denied)).toEqual({
      'ratelimit-policy': '"burst";q=20;w=1, "daily";q=10000;w=86400',
      ratelimit: '"burst";r=0;t=1, "daily";r=9980;t=173',
      'retry-after': '1',
    });
  });

  it('sends no Retry-After when admitted', () => {
    expect(rateLimitHeaders({ ...denied, allowed: true, retryAfterSeconds: 0, violated: [] })).not.toHaveProperty(
      'retry-after',
    );
  });

  it('sends the legacy X-RateLimit trio for the tightest policy only when asked', () => {
    const headers = rateLimitHeaders(denied, { legacy: true, now: manualClock(1_700_000_000_000).now });
    expect(headers).toMatchObject({
      'x-ratelimit-limit': '20',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '1700000001',
    });
    expect(rateLimitHeaders(denied)).not.toHaveProperty('x-ratelimit-limit');
  });

  it('sends no header when no policy applies', () => {
    expect(rateLimitHeaders({ allowed: true, policies: [], retryAfterSeconds: 0, violated: [] })).toEqual({});
  });
});

describe('quotaExceededProblem', () => {
  it('answers 429 with a quota-exceeded problem naming the violated policies', () => {
    const response = quotaExceededProblem(['burst'], 1, rateLimitHeaders(denied));
    expect(response.status).toBe(429);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '1',
      ratelimit: '"burst";r=0;t=1, "daily";r=9980;t=173',
    });
    expect(JSON.parse(response.json)).toMatchObject({
      type: QUOTA_EXCEEDED_TYPE,
      status: 429,
      code: 'quota_exceeded',
      'violated-policies': ['burst'],
    });
  });

  it('uses the IANA problem type URI of the draft', () => {
    expect(QUOTA_EXCEEDED_TYPE).toBe('https://iana.org/assignments/http-problem-types#quota-exceeded');
  });
});
