import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import { assertGrantableScope, assertRequirableScope, grants, hasScopes } from '../../src/key/scopes.js';

function codeOf(action: () => void): string | undefined {
  try {
    action();
  } catch (error) {
    return isKeygateError(error) ? error.code : 'not a KeygateError';
  }
  return undefined;
}

describe('grants', () => {
  it('grants a scope that is held exactly', () => {
    expect(grants(['users:read'], 'users:read')).toBe(true);
    expect(grants(['users:read'], 'users:write')).toBe(false);
  });

  it('lets users:* cover every scope below users, at any depth', () => {
    expect(grants(['users:*'], 'users:read')).toBe(true);
    expect(grants(['users:*'], 'users:read:own')).toBe(true);
  });

  it('does not let users:* cover users itself or a scope that merely starts with the same letters', () => {
    expect(grants(['users:*'], 'users')).toBe(false);
    expect(grants(['users:*'], 'usersettings:read')).toBe(false);
    expect(grants(['users:*'], 'admin:users:read')).toBe(false);
  });

  it('lets * cover every scope', () => {
    expect(grants(['*'], 'users:read')).toBe(true);
    expect(grants(['*'], 'billing')).toBe(true);
  });

  it('grants nothing from no scopes', () => {
    expect(grants([], 'users:read')).toBe(false);
  });

  it('does not treat a shorter held scope as a parent', () => {
    expect(grants(['users'], 'users:read')).toBe(false);
  });
});

describe('hasScopes', () => {
  const held = ['users:read', 'billing:*'];

  it('requires every scope by default', () => {
    expect(hasScopes(held, ['users:read', 'billing:invoices:read'])).toBe(true);
    expect(hasScopes(held, ['users:read', 'users:write'])).toBe(false);
  });

  it('requires at least one scope with match any', () => {
    expect(hasScopes(held, ['users:write', 'billing:read'], 'any')).toBe(true);
    expect(hasScopes(held, ['users:write', 'admin'], 'any')).toBe(false);
  });
});

describe('scope validation', () => {
  it.each(['users', 'users:read', 'users:read:own', 'v1.users:read-all', 'a_b:c', '0:1', 'x'.repeat(128)])(
    'accepts %j as a grant and as a requirement',
    (scope) => {
      expect(codeOf(() => assertGrantableScope(scope))).toBeUndefined();
      expect(codeOf(() => assertRequirableScope(scope))).toBeUndefined();
    },
  );

  it.each(['*', 'users:*', 'a:b:*'])('accepts the wildcard %j as a grant but not as a requirement', (scope) => {
    expect(codeOf(() => assertGrantableScope(scope))).toBeUndefined();
    expect(codeOf(() => assertRequirableScope(scope))).toBe('invalid_scope');
  });

  it.each([
    '',
    'Users:read',
    'users::read',
    ':users',
    'users:',
    'users read',
    'users:*:read',
    '*:read',
    'users:re*',
    '-users',
    'x'.repeat(129),
    42,
    null,
  ])('refuses %j with invalid_scope', (scope) => {
    expect(codeOf(() => assertGrantableScope(scope))).toBe('invalid_scope');
    expect(codeOf(() => assertRequirableScope(scope))).toBe('invalid_scope');
  });

  it('quotes a mistyped scope in its error message, but never a value that looks like a key', () => {
    const messageOf = (scope: string) => {
      try {
        assertGrantableScope(scope);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };
    expect(messageOf('Users:Read')).toContain('"Users:Read"');
    const secretLike = 'Zr8k2Jw1c9Qx7LmN4pT6vB3yH5gD0fS';
    expect(messageOf(`kg_4Gq0T2mYb7cX_${secretLike}`)).not.toContain(secretLike);
  });
});
