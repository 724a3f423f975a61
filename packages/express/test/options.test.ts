import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiKeyAuth, keyManagementRouter } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/express options', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it('warns with the closest known name for a misspelt middleware option', () => {
    apiKeyAuth({ keygate, relm: 'admin' } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: authentication options: unknown option `relm` (did you mean `realm`?); it is ignored.',
    );
  });

  it('warns with the closest known name for a misspelt key-management option', () => {
    keyManagementRouter({ keygate, allowMetdata: true } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: key-management options: unknown option `allowMetdata` (did you mean `allowMetadata`?); it is ignored.',
    );
  });
});
