import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import { type RateLimitOptions, resolveRateLimitOptions } from '../../src/rate-limit/options.js';

function errorOf(options: unknown): KeygateError {
  try {
    resolveRateLimitOptions(options as RateLimitOptions);
  } catch (error) {
    if (error instanceof KeygateError) return error;
    throw error;
  }
  throw new Error('expected resolveRateLimitOptions to throw');
}

describe('resolveRateLimitOptions', () => {
  it('defaults to an in-memory limiter, fail-open, cost 1, no legacy headers and a 10-per-minute failed-auth guard', () => {
    const resolved = resolveRateLimitOptions({});
    expect(resolved.limiter).toBeInstanceOf(MemoryRateLimiter);
    expect(resolved).toMatchObject({ onStoreError: 'open', cost: 1, legacyHeaders: false, defaults: undefined });
    expect(resolved.failedAuth?.policies.policies).toEqual([{ name: 'failed-auth', limit: 10, windowSeconds: 60 }]);
    expect(resolved.failedAuth?.limiter).toBe(resolved.limiter);
  });

  it('builds the RateLimit-Policy value of the defaults once', () => {
    const resolved = resolveRateLimitOptions({ defaults: [{ name: 'burst', limit: 20, windowSeconds: 1 }] });
    expect(resolved.defaults?.policyHeader).toBe('"burst";q=20;w=1');
  });

  it('turns the failed-auth guard off with failedAuth: false', () => {
    expect(resolveRateLimitOptions({ failedAuth: false }).failedAuth).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['a non-object', 'fast', '`rateLimit` must be an options object'],
    ['a limiter without consume', { limiter: {} }, '`rateLimit.limiter` must implement RateLimiter'],
    ['defaults that are not an array', { defaults: { name: 'a' } }, '`rateLimit.defaults` must be an array'],
    [
      'a policy name with spaces',
      { defaults: [{ name: 'per day', limit: 1, windowSeconds: 1 }] },
      '`rateLimit.defaults[0].name` must be 1-64 letters',
    ],
    [
      'a repeated policy name',
      {
        defaults: [
          { name: 'a', limit: 1, windowSeconds: 1 },
          { name: 'a', limit: 2, windowSeconds: 2 },
        ],
      },
      '`rateLimit.defaults[1].name` repeats the policy name "a"',
    ],
    [
      'a fractional limit',
      { defaults: [{ name: 'a', limit: 1.5, windowSeconds: 1 }] },
      '`rateLimit.defaults[0].limit` must be an integer from 1',
    ],
    [
      'a window of zero',
      { defaults: [{ name: 'a', limit: 1, windowSeconds: 0 }] },
      '`rateLimit.defaults[0].windowSeconds` must be an integer from 1',
    ],
    ['a cost of zero', { cost: 0 }, '`rateLimit.cost` must be an integer from 1'],
    ['an unknown store-error policy', { onStoreError: 'ignore' }, "`rateLimit.onStoreError` is 'open' or 'closed'"],
    ['a failed-auth limit of zero', { failedAuth: { limit: 0 } }, '`rateLimit.failedAuth.limit` must be an integer'],
    ['a warn that is not a function', { warn: 'loud' }, '`rateLimit.warn` must be a function'],
  ])('rejects %s with invalid_options and a message naming the field', (_, options, message) => {
    const error = errorOf(options);
    expect(error.code).toBe('invalid_options');
    expect(error.message).toContain(message);
  });
});

describe('rate-limit option names', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('warns with the closest known name for a misspelt rate-limit option', () => {
    resolveRateLimitOptions({ cots: 2 } as RateLimitOptions);
    expect(warn).toHaveBeenCalledWith(
      'keygate: authentication options: unknown option `rateLimit.cots` (did you mean `rateLimit.cost`?); it is ignored.',
    );
  });

  it('warns with the path of a misspelt failed-authentication option', () => {
    resolveRateLimitOptions({ failedAuth: { limt: 5 } } as RateLimitOptions);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'unknown option `rateLimit.failedAuth.limt` (did you mean `rateLimit.failedAuth.limit`?)',
      ),
    );
  });

  it('warns about nothing when every option name is known', () => {
    resolveRateLimitOptions({
      limiter: new MemoryRateLimiter(),
      defaults: [],
      cost: 1,
      failedAuth: { limit: 1, windowSeconds: 1, limiter: new MemoryRateLimiter() },
      onStoreError: 'open',
      legacyHeaders: false,
      warn: () => {},
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuses legacyHeaders that are not a boolean', () => {
    expect(errorOf({ legacyHeaders: 'yes' }).message).toContain('`rateLimit.legacyHeaders` must be a boolean');
  });
});
