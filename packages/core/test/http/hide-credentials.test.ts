import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/http/authenticate.js';
import { type KeySource, type RequestAccessors, resolveKeySources } from '../../src/http/credentials.js';
import type { HiddenCredentials } from '../../src/http/hidden-credentials.js';
import { createCredentialHider, withoutCookies, withoutQueryParameters } from '../../src/http/hide-credentials.js';
import { generateKey } from '../../src/key/format.js';
import { keygateErrorOf } from '../support/errors.js';
import { setup } from '../support/helpers.js';

/** A Node request as core sees it (headers built from rawHeaders, as Node does), plus the framework's copies. */
interface TestRequest {
  rawHeaders: string[];
  headers: Record<string, string | string[] | undefined>;
  url: string;
  query: Record<string, unknown>;
  cookies: Record<string, string>;
}

function request(url: string, rawHeaders: string[], cookies: Record<string, string> = {}): TestRequest {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  const query = Object.fromEntries(new URLSearchParams(url.split('?')[1] ?? ''));
  return { rawHeaders, headers, url, query, cookies };
}

const accessors: RequestAccessors<TestRequest> = {
  raw: (req) => req,
  ip: () => '127.0.0.1',
  secure: () => true,
  query: (req, name) => req.query[name],
  cookie: (req, name) => req.cookies[name],
  hide: (req, hidden: HiddenCredentials) => {
    for (const name of hidden.query) delete req.query[name];
    for (const name of hidden.cookies) delete req.cookies[name];
  },
};

const EVERY_SOURCE: readonly KeySource[] = [
  { in: 'header', name: 'X-API-Key' },
  { in: 'bearer' },
  { in: 'query', name: 'api_key' },
  { in: 'cookie', name: 'api_key' },
];

function hide(req: TestRequest, sources: readonly KeySource[] = EVERY_SOURCE): TestRequest {
  const hider = createCredentialHider(true, resolveKeySources(sources), accessors);
  hider?.(req, req);
  return req;
}

const key = generateKey('kg').key;

describe('hideCredentials: what is removed', () => {
  it('deletes a header source from headers and rawHeaders, whatever its case', () => {
    const req = hide(request('/me', ['Host', 'api.test', 'X-Api-KEY', key]));
    expect(req.headers).toEqual({ host: 'api.test' });
    expect(req.rawHeaders).toEqual(['Host', 'api.test']);
  });

  it('deletes an Authorization: Bearer header', () => {
    const req = hide(request('/me', ['authorization', `Bearer ${key}`, 'accept', 'text/plain']));
    expect(req.headers).toEqual({ accept: 'text/plain' });
    expect(req.rawHeaders).toEqual(['accept', 'text/plain']);
  });

  it('keeps an Authorization header of another scheme, which carried no key', () => {
    const req = hide(request('/me', ['Authorization', 'Basic dXNlcjpwYXNz']));
    expect(req.headers).toEqual({ authorization: 'Basic dXNlcjpwYXNz' });
  });

  it('removes the query parameter from the URL and the parsed query, keeping the others in order', () => {
    const req = hide(request(`/me?b=2&api_key=${key}&a=1&api_key=${key}`, []));
    expect(req.url).toBe('/me?b=2&a=1');
    expect(req.query).toEqual({ b: '2', a: '1' });
  });

  it('removes the question mark when the key was the only parameter', () => {
    expect(hide(request(`/me?api_key=${key}`, [])).url).toBe('/me');
  });

  it('removes the cookie from the Cookie header and the parsed cookies, keeping the others', () => {
    const req = hide(
      request('/me', ['Cookie', `theme=dark; api_key=${key}; lang=fr`], { theme: 'dark', api_key: key }),
    );
    expect(req.headers.cookie).toBe('theme=dark; lang=fr');
    expect(req.rawHeaders).toEqual(['Cookie', 'theme=dark; lang=fr']);
    expect(req.cookies).toEqual({ theme: 'dark' });
  });

  it('deletes the Cookie header when the key cookie was the only cookie', () => {
    const req = hide(request('/me', ['Cookie', `api_key=${key}`]));
    expect(req.headers).toEqual({});
    expect(req.rawHeaders).toEqual([]);
  });

  it('joins what is left of several Cookie headers as Node does', () => {
    const req = hide(request('/me', ['Cookie', `api_key=${key}; a=1`, 'Cookie', 'b=2']));
    expect(req.headers.cookie).toBe('a=1; b=2');
  });

  it('leaves a request that carries no credential as it was (the same rawHeaders array)', () => {
    const req = request('/me?page=2', ['Accept', 'text/plain', 'Cookie', 'theme=dark']);
    const { rawHeaders, headers } = req;
    hide(req);
    expect(req.rawHeaders).toBe(rawHeaders);
    expect(req.headers).toBe(headers);
    expect(req.url).toBe('/me?page=2');
  });

  it('removes only configured sources: X-API-Key stays when only the query is configured', () => {
    const req = hide(request(`/me?api_key=${key}`, ['X-API-Key', key]), [{ in: 'query', name: 'api_key' }]);
    expect(req.headers).toEqual({ 'x-api-key': key });
    expect(req.url).toBe('/me');
  });
});

describe('withoutQueryParameters', () => {
  it('compares names decoded, as query parsers do', () => {
    expect(withoutQueryParameters(`/me?api%5Fkey=${key}&x=1`, ['api_key'])).toBe('/me?x=1');
    expect(withoutQueryParameters('/me?my+key=1&x=1', ['my key'])).toBe('/me?x=1');
  });

  it('removes the bracket forms of the qs parser (name[] and name[0])', () => {
    expect(withoutQueryParameters(`/me?api_key[]=${key}&api_key%5B0%5D=${key}&x=1`, ['api_key'])).toBe('/me?x=1');
  });

  it('keeps a parameter whose name only starts like the key parameter', () => {
    expect(withoutQueryParameters('/me?api_key_hint=1&api_keys=2', ['api_key'])).toBe('/me?api_key_hint=1&api_keys=2');
  });

  it('survives a bad percent-escape in a name', () => {
    expect(withoutQueryParameters('/me?%E0%A4%A=1&api_key=k', ['api_key'])).toBe('/me?%E0%A4%A=1');
  });

  it('returns the URL itself when nothing is removed', () => {
    const url = '/me?a=1&b=2';
    expect(withoutQueryParameters(url, ['api_key'])).toBe(url);
  });
});

describe('withoutCookies', () => {
  it('keeps a cookie whose name only ends like the key cookie', () => {
    expect(withoutCookies('my_api_key=1; api_key=k', ['api_key'])).toBe('my_api_key=1');
  });

  it('returns the header itself when nothing is removed', () => {
    const header = 'a=1;b=2';
    expect(withoutCookies(header, ['api_key'])).toBe(header);
  });
});

describe('hideCredentials: the option', () => {
  it('is off by default: the authenticator builds no hider and the request keeps its key', async () => {
    const { keygate, createKey } = setup();
    const { key: valid } = await createKey();
    const req = request('/me', ['X-API-Key', valid]);
    expect((await createAuthenticator({ keygate }, accessors)(req)).ok).toBe(true);
    expect(req.headers['x-api-key']).toBe(valid);
    expect(createCredentialHider(false, resolveKeySources(EVERY_SOURCE), accessors)).toBeUndefined();
  });

  it('removes the key before the authenticator answers, on success and on failure', async () => {
    const { keygate, createKey } = setup();
    const { key: valid } = await createKey();
    const authenticate = createAuthenticator({ keygate, hideCredentials: true }, accessors);
    const good = request('/me', ['X-API-Key', valid]);
    const bad = request('/me', ['Authorization', `Bearer ${key}`]);
    expect((await authenticate(good)).ok).toBe(true);
    expect((await authenticate(bad)).ok).toBe(false);
    expect([good.headers, bad.headers]).toEqual([{}, {}]);
  });

  it('refuses a value that is not a boolean with invalid_options', () => {
    const { keygate } = setup();
    const error = keygateErrorOf(() => createAuthenticator({ keygate, hideCredentials: 'yes' as never }, accessors));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toContain('`hideCredentials` must be a boolean');
  });

  it('refuses a query or cookie source on an adapter that cannot hide them', () => {
    const { keygate } = setup();
    const { hide: _, ...withoutHide } = accessors;
    const error = keygateErrorOf(() =>
      createAuthenticator({ keygate, hideCredentials: true, sources: EVERY_SOURCE }, withoutHide),
    );
    expect(error.code).toBe('invalid_options');
  });
});
