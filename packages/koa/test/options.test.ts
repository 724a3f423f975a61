import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiKeyAuth, keyManagementRoutes } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/koa options', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('takes the key-management routes’ prefix without an unknown-option warning', () => {
    keyManagementRoutes({ keygate, prefix: '/admin' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns with the closest known name for a misspelt key-management option', () => {
    keyManagementRoutes({ keygate, prefx: '/admin' } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: key-management options: unknown option `prefx` (did you mean `prefix`?); it is ignored.',
    );
  });

  it('warns with the closest known name for a misspelt middleware option', () => {
    apiKeyAuth({ keygate, sorces: [] } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: authentication options: unknown option `sorces` (did you mean `sources`?); it is ignored.',
    );
  });

  it('refuses a prefix with a trailing slash with invalid_options', () => {
    expect(() => keyManagementRoutes({ keygate, prefix: '/admin/' })).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining('`prefix`') }),
    );
  });
});
