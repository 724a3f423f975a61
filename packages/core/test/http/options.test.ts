import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { DEFAULT_KEY_SOURCES } from '../../src/http/credentials.js';
import { type AuthOptions, resolveAuthOptions } from '../../src/http/options.js';
import { createScopeGuard } from '../../src/http/scope-guard.js';
import { setup } from '../support/helpers.js';

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
});

describe('resolveAuthOptions', () => {
  it('warns once with the closest known name for a misspelt authentication option', () => {
    const { keygate } = setup();
    const options = { keygate, requireTLS: true } as AuthOptions;
    resolveAuthOptions(options);
    resolveAuthOptions(options);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'keygate: authentication options: unknown option `requireTLS` (did you mean `requireTls`?); it is ignored.',
    );
  });

  it('warns about nothing when every option name is known', () => {
    const { keygate } = setup();
    resolveAuthOptions({
      keygate,
      sources: [{ in: 'bearer' }],
      optional: true,
      realm: 'api',
      onError: () => {},
      rateLimit: {},
      requireTls: false,
      ipv6Prefix: 56,
      hideCredentials: true,
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it.each<[string, Partial<AuthOptions>, string]>([
    ['an optional that is not a boolean', { optional: 'yes' as never }, '`optional` must be a boolean'],
    ['an onError that is not a function', { onError: 'log' as never }, '`onError` must be a function'],
    ['an ipv6Prefix of zero', { ipv6Prefix: 0 }, '`ipv6Prefix` must be an integer from 1 to 128 (received 0)'],
  ])('refuses %s when the middleware is built, naming the option', (_, overrides, message) => {
    const { keygate } = setup();
    expect(() => resolveAuthOptions({ keygate, ...overrides })).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining(message) }),
    );
  });
});

describe('sources', () => {
  it('replaces the default sources with the given list', () => {
    const { keygate } = setup();
    expect(resolveAuthOptions({ keygate, sources: [{ in: 'query', name: 'api_key' }] }).sources).toEqual([
      { in: 'query', name: 'api_key' },
    ]);
  });

  it('adds a source to the defaults when they are spread into the list', () => {
    const { keygate } = setup();
    const sources = [...DEFAULT_KEY_SOURCES, { in: 'query', name: 'api_key' } as const];
    expect(resolveAuthOptions({ keygate, sources }).sources).toEqual([
      { in: 'header', name: 'x-api-key' },
      { in: 'bearer' },
      { in: 'query', name: 'api_key' },
    ]);
  });
});

describe('createScopeGuard options', () => {
  it('warns with the closest known name for a misspelt scope-guard option', () => {
    createScopeGuard('users:read', { matches: 'any' } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: requireScopes(): unknown option `matches` (did you mean `match`?); it is ignored.',
    );
  });
});
