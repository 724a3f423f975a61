import { describe, expect, it } from 'vitest';
import { pinoRedactPaths } from '../../src/http/log-redaction.js';

describe('pinoRedactPaths', () => {
  it('covers the default sources: the X-API-Key and Authorization headers', () => {
    expect(pinoRedactPaths()).toEqual(['req.headers["x-api-key"]', 'req.headers.authorization']);
  });

  it('covers a query source in the parsed query', () => {
    expect(pinoRedactPaths({ sources: [{ in: 'query', name: 'api_key' }] })).toEqual(['req.query.api_key']);
  });

  it('covers a cookie source as the whole Cookie header and the parsed cookie', () => {
    expect(pinoRedactPaths({ sources: [{ in: 'cookie', name: 'key' }] })).toEqual([
      'req.headers.cookie',
      'req.cookies.key',
    ]);
  });

  it('names each path once, under another request key when asked', () => {
    const sources = [{ in: 'bearer' as const }, { in: 'header' as const, name: 'Authorization' }];
    expect(pinoRedactPaths({ sources, requestKey: 'request' })).toEqual(['request.headers.authorization']);
  });

  it('refuses a name no redact path can hold with invalid_options', () => {
    expect(() => pinoRedactPaths({ sources: [{ in: 'query', name: 'a"b' }] })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});
