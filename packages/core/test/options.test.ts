import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { closestName, optionChecks, optionNames, warnUnknownOptions } from '../src/options.js';
import { keygateErrorOf } from './support/errors.js';

const checks = optionChecks('Thing');

describe('integer options', () => {
  it('returns an integer within its bounds', () => {
    expect(checks.integer('size', 5, { min: 1, max: 10 })).toBe(5);
  });

  it('returns the default for an undefined value', () => {
    expect(checks.integer('size', undefined, { min: 1, default: 7 })).toBe(7);
  });

  it.each([
    ['a fraction', 1.5],
    ['a number below the minimum', 0],
    ['a number above the maximum', 11],
    ['a numeric string', '5'],
    ['NaN', Number.NaN],
    ['an undefined value without a default', undefined],
  ])('refuses %s with invalid_options naming the option, its bounds and the entry point', (_, value) => {
    const error = keygateErrorOf(() => checks.integer('size', value, { min: 1, max: 10 }));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/^keygate: Thing: `size` must be an integer from 1 to 10 \(received .+\)\.$/);
    expect(error.field).toBe('size');
  });

  it('says "of at least" for an integer without a maximum', () => {
    expect(keygateErrorOf(() => checks.integer('size', -1, { min: 0 })).message).toContain(
      '`size` must be an integer of at least 0 (received -1)',
    );
  });

  it('never shows a string it received, only its type', () => {
    expect(keygateErrorOf(() => checks.integer('size', 'sk_live_secret', { min: 0 })).message).not.toContain('secret');
  });
});

describe('boolean, function and choice options', () => {
  it('returns a boolean, or the fallback for an undefined value', () => {
    expect(checks.boolean('on', false, true)).toBe(false);
    expect(checks.boolean('on', undefined, true)).toBe(true);
  });

  it('refuses a value that is not a boolean', () => {
    expect(keygateErrorOf(() => checks.boolean('on', 'yes', true)).message).toContain(
      '`on` must be a boolean (received a string)',
    );
  });

  it('returns a function, or the fallback for an undefined value', () => {
    const f = () => {};
    const fallback = () => {};
    expect(checks.function('f', f, fallback)).toBe(f);
    expect(checks.function('f', undefined, fallback)).toBe(fallback);
    expect(checks.function('f', undefined)).toBeUndefined();
  });

  it('refuses a value that is not a function', () => {
    expect(keygateErrorOf(() => checks.function('f', 42)).message).toContain('`f` must be a function (received 42)');
  });

  it('returns one of the allowed values, or the fallback for an undefined value', () => {
    expect(checks.oneOf('mode', 'b', ['a', 'b'], 'a')).toBe('b');
    expect(checks.oneOf('mode', undefined, ['a', 'b'], 'a')).toBe('a');
  });

  it('refuses any other value, listing the allowed ones', () => {
    expect(keygateErrorOf(() => checks.oneOf('mode', 'd', ['a', 'b', 'c'], 'a')).message).toContain(
      "`mode` is 'a', 'b' or 'c' (received a string)",
    );
  });

  it('starts messages with keygate: alone when the checks have no entry point', () => {
    expect(keygateErrorOf(() => optionChecks().boolean('on', 1)).message).toBe(
      'keygate: `on` must be a boolean (received 1).',
    );
  });
});

describe('options objects', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'fast'],
    ['an array', []],
  ])('refuses %s as the options with invalid_options', (_, value) => {
    const error = keygateErrorOf(() => checks.object(undefined, value, []));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/^keygate: Thing: options must be an options object/);
  });

  it('names a nested options object by its path when it is not an object', () => {
    expect(keygateErrorOf(() => checks.object('cache', 5, [])).message).toContain('`cache` must be an options object');
  });

  it('returns the object itself and warns about nothing when every name is known', () => {
    const options = { size: 1, mode: 'a' };
    expect(checks.object(undefined, options, ['size', 'mode'])).toBe(options);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns once with the closest known name for a misspelt top-level option', () => {
    checks.object(undefined, { maxKeyPerOwner: 5 }, ['maxKeysPerOwner', 'prefix']);
    checks.object(undefined, { maxKeyPerOwner: 6 }, ['maxKeysPerOwner', 'prefix']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'keygate: Thing: unknown option `maxKeyPerOwner` (did you mean `maxKeysPerOwner`?); it is ignored.',
    );
  });

  it('names a misspelt nested option by its path, and the closest known name by its path', () => {
    checks.object('cache', { ttl: 5 }, ['ttlMs', 'max']);
    expect(warn).toHaveBeenCalledWith(
      'keygate: Thing: unknown option `cache.ttl` (did you mean `cache.ttlMs`?); it is ignored.',
    );
  });

  it('names no known option when none is close to the unknown one', () => {
    checks.object(undefined, { colour: 'blue' }, ['maxKeysPerOwner', 'prefix']);
    expect(warn).toHaveBeenCalledWith('keygate: Thing: unknown option `colour`; it is ignored.');
  });

  it('shows an unknown name without control characters or backticks, and cut to 64 characters', () => {
    warnUnknownOptions({ [`a\n\`${'b'.repeat(100)}`]: 1 }, ['prefix']);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toContain(`\`a??${'b'.repeat(61)}…\``);
  });
});

describe('closestName', () => {
  it.each([
    ['maxKeyPerOwner', 'maxKeysPerOwner'],
    ['requireTLS', 'requireTls'],
    ['sorces', 'sources'],
    ['realms', 'realm'],
  ])('finds %s a typo of %s', (typo, known) => {
    expect(closestName(typo, ['maxKeysPerOwner', 'requireTls', 'sources', 'realm', 'optional'])).toBe(known);
  });

  it('finds nothing for a short name more than half of which differs', () => {
    expect(closestName('ab', ['cd', 'max'])).toBeUndefined();
  });

  it('finds nothing three edits away', () => {
    expect(closestName('prefx_abc', ['prefix'])).toBeUndefined();
  });
});

describe('optionNames', () => {
  it('lists the names of an options type, once each', () => {
    interface Options {
      a?: number;
      b: string;
    }
    expect(optionNames<Options>({ a: true, b: true })).toEqual(['a', 'b']);
  });
});
