import { describe, expect, it } from 'vitest';
import { DenyCache, denyKeyOf } from '../../src/rate-limit/deny-cache.js';
import { policyPlan } from '../../src/rate-limit/policy-plan.js';

// limit 5 per second: T = 200 ms, tolerance 1 s. A TAT 1 s ahead of now is a full bucket.
const plan = policyPlan(Object.freeze([Object.freeze({ name: 'burst', limit: 5, windowSeconds: 1 })]));
const FULL = [1_000_000];
const key = denyKeyOf('key_1', plan);

describe('DenyCache', () => {
  it('refuses a request of the refused cost until exactly the time it may pass', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 1_000, FULL, 1);
    // The refused request fits once the TAT is within tolerance - T of now: 200 ms later.
    expect(cache.refuse(key, plan, 1, 1_199.99)?.allowed).toBe(false);
    expect(cache.refuse(key, plan, 1, 1_200)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('reports the time left until the refused request may pass', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 0, [5_000_000], 1);
    expect(cache.refuse(key, plan, 1, 1_500)).toMatchObject({ retryAfterSeconds: 3, violated: ['burst'] });
  });

  it('refuses a larger cost too, and leaves a smaller cost that may fit to the store', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 0, [900_000], 2);
    // 100 ms on, one unit fits (the TAT is 800 ms ahead) but three do not.
    expect(cache.refuse(key, plan, 3, 100)?.allowed).toBe(false);
    expect(cache.refuse(key, plan, 1, 100)).toBeUndefined();
  });

  it('refuses nothing for another subject or another policy definition', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 0, FULL, 1);
    const raised = policyPlan([{ name: 'burst', limit: 6, windowSeconds: 1 }]);
    expect(cache.refuse(denyKeyOf('key_2', plan), plan, 1, 10)).toBeUndefined();
    expect(cache.refuse(denyKeyOf('key_1', raised), raised, 1, 10)).toBeUndefined();
    expect(cache.refuse(key, plan, 1, 10)?.allowed).toBe(false);
  });

  it('takes newer TATs for a remembered refusal, and forgets it once its cost fits them', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 0, FULL, 1);
    cache.remember(key, plan, 50, [1_100_000]);
    expect(cache.refuse(key, plan, 1, 50 + 299)?.allowed).toBe(false);
    cache.remember(key, plan, 60, [100_000]);
    expect(cache.size).toBe(0);
  });

  it('remembers nothing but refusals', () => {
    const cache = new DenyCache(10);
    cache.remember(key, plan, 0, [100_000]);
    cache.remember(key, plan, 0, [100_000], 1);
    expect(cache.size).toBe(0);
  });

  it('holds at most its size, forgetting the oldest refusal first', () => {
    const cache = new DenyCache(3);
    for (let i = 0; i < 5; i++) cache.remember(denyKeyOf(`key_${i}`, plan), plan, 0, FULL, 1);
    expect(cache.size).toBe(3);
    expect(cache.refuse(denyKeyOf('key_1', plan), plan, 1, 10)).toBeUndefined();
    expect(cache.refuse(denyKeyOf('key_4', plan), plan, 1, 10)?.allowed).toBe(false);
  });
});
