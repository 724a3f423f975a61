import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type ManagementOptions, resolveManagementOptions } from '../../src/management/options.js';
import { setup } from '../support/helpers.js';

describe('resolveManagementOptions', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('warns with the closest known name for a misspelt key-management option', () => {
    const { keygate } = setup();
    resolveManagementOptions({ keygate, managementScopes: 'admin:keys' } as ManagementOptions);
    expect(warn).toHaveBeenCalledWith(
      'keygate: key-management options: unknown option `managementScopes` (did you mean `managementScope`?); it is ignored.',
    );
  });

  it('warns about nothing when every option name is known', () => {
    const { keygate } = setup();
    resolveManagementOptions({
      keygate,
      authorize: () => null,
      managementScope: 'keys:manage',
      defaultGracePeriodMs: 0,
      bodyLimit: 100,
      allowMetadata: ['plan'],
      rateLimitDefaults: [],
      realm: 'admin',
      onError: () => {},
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuses a body limit above 16 MiB, naming it and its bounds', () => {
    const { keygate } = setup();
    expect(() => resolveManagementOptions({ keygate, bodyLimit: 2 ** 30 })).toThrowError(
      expect.objectContaining({
        code: 'invalid_options',
        message: expect.stringContaining('`bodyLimit` must be an integer from 1 to 16777216'),
      }),
    );
  });
});
