import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { checkPolicies } from '../../src/key/rate-limit-policy.js';
import { checkRateLimits } from '../../src/lifecycle/limits.js';
import { resolvePolicySet } from '../../src/rate-limit/options.js';

const invalid = (field: string, problem: string) => new KeygateError('invalid_input', `${field} ${problem}`, { field });

describe('the one rate-limit policy rule', () => {
  it('returns a frozen copy of a valid list, each policy frozen', () => {
    const given = [{ name: 'burst', limit: 10, windowSeconds: 1 }];
    const checked = checkPolicies(given, 'policies', invalid);
    expect(checked).toEqual(given);
    expect(checked).not.toBe(given);
    expect(Object.isFrozen(checked) && Object.isFrozen(checked[0])).toBe(true);
  });

  it.each([['Burst'], ['daily.v2'], ['a'.repeat(64)], ['9am']])(
    'accepts the name %j in the options and for a key alike',
    (name) => {
      const list = [{ name, limit: 1, windowSeconds: 60 }];
      expect(resolvePolicySet(list, 'rateLimit.defaults').policies).toEqual(list);
      expect(checkRateLimits(list)).toEqual(list);
    },
  );

  it.each([['-burst'], ['_burst'], ['bad name'], ['a'.repeat(65)], ['']])(
    'refuses the name %j in the options and for a key alike',
    (name) => {
      const list = [{ name, limit: 1, windowSeconds: 60 }];
      expect(() => resolvePolicySet(list, 'rateLimit.defaults')).toThrow(/`rateLimit\.defaults\[0\]\.name` must be/);
      expect(() => checkRateLimits(list)).toThrow(expect.objectContaining({ field: 'rateLimits[0].name' }));
    },
  );

  it('names the field at fault through the caller’s own error', () => {
    expect(() => checkPolicies([{ name: 'a', limit: 0, windowSeconds: 1 }], 'list', invalid)).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'list[0].limit' }),
    );
  });

  it('caps the number of policies only where the caller asks', () => {
    const nine = Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, limit: 1, windowSeconds: 1 }));
    expect(checkPolicies(nine, 'policies', invalid)).toHaveLength(9);
    expect(() => checkRateLimits(nine)).toThrow(expect.objectContaining({ field: 'rateLimits' }));
  });
});
