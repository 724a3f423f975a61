import { describe, expect, it } from 'vitest';
import { createScopeGuard } from '../../src/http/scope-guard.js';
import type { ApiKey } from '../../src/key/record.js';
import { apiKeyWith } from '../support/helpers.js';

const keyWith = (...scopes: string[]): ApiKey => apiKeyWith({ id: 'abcdefghijkl', scopes: [...scopes] });

describe('createScopeGuard', () => {
  it('lets a key holding the required scope pass', () => {
    expect(createScopeGuard('users:read')(keyWith('users:read'))).toBeUndefined();
  });

  it('lets wildcard grants pass', () => {
    const guard = createScopeGuard(['users:read', 'users:write']);
    expect(guard(keyWith('users:*'))).toBeUndefined();
    expect(guard(keyWith('*'))).toBeUndefined();
  });

  it('answers 401 without an error attribute when the request has no key', () => {
    const guard = createScopeGuard('users:read');
    for (const key of [undefined, null]) {
      const response = guard(key);
      expect(response?.status).toBe(401);
      expect(response?.body.code).toBe('missing');
      expect(response?.headers['www-authenticate']).toBe('Bearer realm="api"');
    }
  });

  it('answers 403 insufficient_scope naming the required scopes', () => {
    const response = createScopeGuard(['users:read', 'users:write'])(keyWith('users:read'));
    expect(response?.status).toBe(403);
    expect(response?.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="users:read users:write"',
    );
    expect(response?.headers['content-type']).toBe('application/problem+json');
    expect(response?.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'The API key lacks a required scope: users:read users:write.',
      code: 'insufficient_scope',
      requiredScopes: ['users:read', 'users:write'],
      match: 'all',
    });
  });

  it('with match any, lets a key holding one of the scopes pass', () => {
    const guard = createScopeGuard(['users:read', 'admin'], { match: 'any' });
    expect(guard(keyWith('admin'))).toBeUndefined();
    const response = guard(keyWith('billing:read'));
    expect(response?.status).toBe(403);
    expect(response?.body.detail).toBe('The API key needs one of the scopes: users:read admin.');
  });

  it('names its realm in both challenges', () => {
    const guard = createScopeGuard('users:read', { realm: 'admin' });
    expect(guard(undefined)?.headers['www-authenticate']).toBe('Bearer realm="admin"');
    expect(guard(keyWith())?.headers['www-authenticate']).toMatch(/^Bearer realm="admin", error="insufficient_scope"/);
  });

  it('refuses an invalid or wildcard required scope at creation', () => {
    for (const scope of ['Users:Read', 'users:*', '*', '']) {
      expect(() => createScopeGuard(scope)).toThrowError(expect.objectContaining({ code: 'invalid_scope' }));
    }
  });

  it('refuses an empty scope list, an unknown match and a bad realm at creation', () => {
    expect(() => createScopeGuard([])).toThrowError(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => createScopeGuard('a', { match: 'most' as never })).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => createScopeGuard('a', { realm: 'a"b' })).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});
