import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { keygatePlugin, keyManagementPlugin } from '../src/index.js';

const keygate = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher() });

describe('@keygate/fastify options', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it("takes Fastify's own registration options (prefix, logLevel) without an unknown-option warning", async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate, prefix: '/api', logLevel: 'warn' });
    await app.register(keyManagementPlugin, { keygate, prefix: '/admin', logLevel: 'warn' });
    await app.ready();
    expect(warn).not.toHaveBeenCalled();
    await app.close();
  });

  it('warns with the closest known name for a misspelt plugin option', async () => {
    const app = Fastify();
    await app.register(keygatePlugin, { keygate, optionl: true } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: authentication options: unknown option `optionl` (did you mean `optional`?); it is ignored.',
    );
    await app.close();
  });

  it('warns with the closest known name for a misspelt key-management option', async () => {
    const app = Fastify();
    await app.register(keyManagementPlugin, { keygate, bodylimit: 10 } as never);
    expect(warn).toHaveBeenCalledWith(
      'keygate: key-management options: unknown option `bodylimit` (did you mean `bodyLimit`?); it is ignored.',
    );
    await app.close();
  });
});
