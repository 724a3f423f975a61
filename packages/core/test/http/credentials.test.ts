import { describe, expect, it } from 'vitest';
import {
  createCredentialReader,
  DEFAULT_KEY_SOURCES,
  headerValues,
  type KeySource,
  type RequestAccessors,
  resolveKeySources,
} from '../../src/http/credentials.js';
import { generateKey, MAX_KEY_LENGTH } from '../../src/key/format.js';

/** A request as an adapter would see it: Node's rawHeaders plus what the framework parsed. */
interface TestRequest {
  rawHeaders: string[];
  query?: Record<string, unknown>;
  cookies?: Record<string, string>;
}

const accessors: RequestAccessors<TestRequest> = {
  raw: (req) => ({ rawHeaders: req.rawHeaders }),
  ip: () => '127.0.0.1',
  secure: () => true,
  query: (req, name) => req.query?.[name],
  cookie: (req, name) => req.cookies?.[name],
};

const read = (sources: readonly KeySource[] = DEFAULT_KEY_SOURCES) =>
  createCredentialReader(resolveKeySources(sources), accessors);

const key = generateKey('kg').key;
const other = generateKey('kg').key;

describe('reading the key from a request', () => {
  it('finds nothing in a request without a key', () => {
    expect(read()({ rawHeaders: ['Host', 'api.test'] })).toEqual({ kind: 'none' });
  });

  it('reads the X-API-Key header, whatever its case', () => {
    expect(read()({ rawHeaders: ['X-Api-KEY', key] })).toEqual({ kind: 'key', key });
  });

  it('ignores a header whose name differs from a source in one character, whatever its case', () => {
    const sources: KeySource[] = [{ in: 'header', name: 'x-key~1' }];
    for (const name of ['X-API-KEz', 'X-APIXKEY', 'x-api-key0'.slice(1)]) {
      expect(read()({ rawHeaders: [name, key] })).toEqual({ kind: 'none' });
    }
    // Lower-casing folds only A-Z: `^` (0x5E) is not `~` (0x7E) in another case.
    expect(read(sources)({ rawHeaders: ['X-KEY^1', key] })).toEqual({ kind: 'none' });
    expect(read(sources)({ rawHeaders: ['X-KEY~1', key] })).toEqual({ kind: 'key', key });
  });

  it('reads an Authorization Bearer token, whatever the scheme’s case', () => {
    expect(read()({ rawHeaders: ['Authorization', `Bearer ${key}`] })).toEqual({ kind: 'key', key });
    expect(read()({ rawHeaders: ['authorization', `bEaReR   ${key}`] })).toEqual({ kind: 'key', key });
  });

  it('ignores other Authorization schemes', () => {
    for (const value of ['Basic dXNlcjpwYXNz', `Digest ${key}`, `Bearerx ${key}`, 'Token abc']) {
      expect(read()({ rawHeaders: ['Authorization', value] })).toEqual({ kind: 'none' });
    }
  });

  it('reads the bearer token next to an Authorization header of another scheme', () => {
    const req = { rawHeaders: ['Authorization', 'Basic dXNlcjpwYXNz', 'Authorization', `Bearer ${key}`] };
    expect(read()(req)).toEqual({ kind: 'key', key });
  });

  it('accepts the same key twice, in one header repeated or in two sources', () => {
    expect(read()({ rawHeaders: ['X-API-Key', key, 'x-api-key', key] })).toEqual({ kind: 'key', key });
    expect(read()({ rawHeaders: ['X-API-Key', key, 'Authorization', `Bearer ${key}`] })).toEqual({ kind: 'key', key });
  });

  it('answers ambiguous for two different keys in a duplicated header', () => {
    expect(read()({ rawHeaders: ['X-API-Key', key, 'X-API-Key', other] })).toEqual({ kind: 'ambiguous' });
    expect(read()({ rawHeaders: ['Authorization', `Bearer ${key}`, 'Authorization', `Bearer ${other}`] })).toEqual({
      kind: 'ambiguous',
    });
  });

  it('answers ambiguous for two different keys in two sources', () => {
    expect(read()({ rawHeaders: ['X-API-Key', key, 'Authorization', `Bearer ${other}`] })).toEqual({
      kind: 'ambiguous',
    });
  });

  it('answers malformed for an empty value', () => {
    expect(read()({ rawHeaders: ['X-API-Key', ''] })).toEqual({ kind: 'malformed' });
    expect(read()({ rawHeaders: ['Authorization', 'Bearer'] })).toEqual({ kind: 'malformed' });
    expect(read()({ rawHeaders: ['Authorization', 'Bearer '] })).toEqual({ kind: 'malformed' });
  });

  it('answers malformed for a value longer than any key, without reading further', () => {
    const long = 'k'.repeat(MAX_KEY_LENGTH + 1);
    expect(read()({ rawHeaders: ['X-API-Key', long] })).toEqual({ kind: 'malformed' });
    expect(read()({ rawHeaders: ['Authorization', `Bearer ${long}`] })).toEqual({ kind: 'malformed' });
    expect(read()({ rawHeaders: ['X-API-Key', 'x'.repeat(1_000_000), 'X-API-Key', key] })).toEqual({
      kind: 'malformed',
    });
  });

  it('passes a value of key length through unjudged: the key parser decides', () => {
    expect(read()({ rawHeaders: ['X-API-Key', 'not a key'] })).toEqual({ kind: 'key', key: 'not a key' });
  });

  it('ignores query and cookie unless configured', () => {
    expect(read()({ rawHeaders: [], query: { api_key: key }, cookies: { api_key: key } })).toEqual({ kind: 'none' });
  });

  it('reads a configured query parameter', () => {
    const reader = read([{ in: 'query', name: 'api_key' }]);
    expect(reader({ rawHeaders: [], query: { api_key: key } })).toEqual({ kind: 'key', key });
  });

  it('treats a repeated query parameter as several values', () => {
    const reader = read([{ in: 'query', name: 'api_key' }]);
    expect(reader({ rawHeaders: [], query: { api_key: [key, key] } })).toEqual({ kind: 'key', key });
    expect(reader({ rawHeaders: [], query: { api_key: [key, other] } })).toEqual({ kind: 'ambiguous' });
  });

  it('answers malformed for a query value that is not a string', () => {
    const reader = read([{ in: 'query', name: 'api_key' }]);
    expect(reader({ rawHeaders: [], query: { api_key: { nested: key } } })).toEqual({ kind: 'malformed' });
    expect(reader({ rawHeaders: [], query: { api_key: [key, 7] } })).toEqual({ kind: 'malformed' });
  });

  it('reads a configured cookie', () => {
    const reader = read([{ in: 'cookie', name: 'kg_session' }]);
    expect(reader({ rawHeaders: [], cookies: { kg_session: key } })).toEqual({ kind: 'key', key });
    expect(reader({ rawHeaders: [], cookies: {} })).toEqual({ kind: 'none' });
  });

  it('reads only the configured sources', () => {
    const reader = read([{ in: 'header', name: 'X-Custom-Key' }]);
    expect(reader({ rawHeaders: ['X-API-Key', key] })).toEqual({ kind: 'none' });
    expect(reader({ rawHeaders: ['x-custom-key', key] })).toEqual({ kind: 'key', key });
  });
});

describe('headerValues', () => {
  it('returns every value of a header from rawHeaders, in order', () => {
    expect(headerValues(['A', '1', 'b', '2', 'a', '3'], 'a')).toEqual(['1', '3']);
    expect(headerValues(['A', '1'], 'b')).toBeUndefined();
  });
});

describe('resolveKeySources', () => {
  it('defaults to the X-API-Key header, then the bearer token', () => {
    expect(resolveKeySources()).toEqual([{ in: 'header', name: 'x-api-key' }, { in: 'bearer' }]);
  });

  it('lower-cases header names', () => {
    expect(resolveKeySources([{ in: 'header', name: 'X-Key' }])).toEqual([{ in: 'header', name: 'x-key' }]);
  });

  it.each<[string, unknown]>([
    ['an empty list', []],
    ['a non-array', 'header'],
    ['an unknown kind', [{ in: 'body', name: 'key' }]],
    ['a header without a name', [{ in: 'header' }]],
    ['a header with an invalid name', [{ in: 'header', name: 'x key' }]],
    ['a query without a name', [{ in: 'query', name: '' }]],
    ['a null entry', [null]],
  ])('refuses %s with invalid_options', (_label, sources) => {
    expect(() => resolveKeySources(sources as KeySource[])).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it('answers ambiguous for two same-named cookies carrying different keys', () => {
    const reader = read([{ in: 'cookie', name: 'kg_session' }]);
    const other = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const rawHeaders = ['Cookie', `theme=dark; kg_session=${key}; kg_session=${other}`];
    expect(reader({ rawHeaders, cookies: { kg_session: key } })).toEqual({ kind: 'ambiguous' });
    const split = ['Cookie', `kg_session=${key}`, 'cookie', `kg_session=${other}`];
    expect(reader({ rawHeaders: split, cookies: { kg_session: key } })).toEqual({ kind: 'ambiguous' });
  });

  it('accepts the same key sent in two same-named cookies, and ignores cookies of other names', () => {
    const reader = read([{ in: 'cookie', name: 'kg_session' }]);
    const rawHeaders = ['Cookie', `kg_session=${key}; kg_session_old=x; kg_session=${key}`];
    expect(reader({ rawHeaders, cookies: { kg_session: key } })).toEqual({ kind: 'key', key });
  });

  it('refuses a query or cookie source the adapter cannot read', () => {
    const headersOnly: RequestAccessors<TestRequest> = {
      raw: accessors.raw,
      ip: accessors.ip,
      secure: accessors.secure,
    };
    for (const source of [
      { in: 'query', name: 'k' },
      { in: 'cookie', name: 'k' },
    ] as const) {
      expect(() => createCredentialReader(resolveKeySources([source]), headersOnly)).toThrowError(
        expect.objectContaining({ code: 'invalid_options' }),
      );
    }
  });
});
