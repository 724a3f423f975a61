import { KeygateError } from '../errors.js';
import { quoteSafely } from './redaction.js';

// A scope is one or more segments joined by ':', e.g. `users:read`. A granted scope may end in
// the segment `*`: `users:*` grants `users:read` and `users:read:own`, but not `users` itself.
const SEGMENT = '[a-z0-9][a-z0-9_.-]*';
const SCOPE_RE = new RegExp(`^${SEGMENT}(?::${SEGMENT})*$`);
const GRANT_RE = new RegExp(`^(?:${SEGMENT}:)*(?:${SEGMENT}|\\*)$`);
const MAX_SCOPE_LENGTH = 128;

/** How a guard combines several required scopes. */
export type ScopeMatch = 'all' | 'any';

/** Throws `invalid_scope` unless `scope` is a valid scope a key can be granted (wildcards allowed). */
export function assertGrantableScope(scope: unknown): asserts scope is string {
  if (typeof scope !== 'string' || scope.length > MAX_SCOPE_LENGTH || !GRANT_RE.test(scope)) {
    throw new KeygateError(
      'invalid_scope',
      `Invalid scope ${describe(scope)}: use lower-case segments joined by ':' (e.g. "users:read"); a grant may end in ":*".`,
    );
  }
}

/** Throws `invalid_scope` unless `scope` is a valid concrete scope a route can require (no wildcard). */
export function assertRequirableScope(scope: unknown): asserts scope is string {
  if (typeof scope !== 'string' || scope.length > MAX_SCOPE_LENGTH || !SCOPE_RE.test(scope)) {
    throw new KeygateError(
      'invalid_scope',
      `Invalid required scope ${describe(scope)}: use lower-case segments joined by ':' (e.g. "users:read"), no wildcard.`,
    );
  }
}

/** True when the granted scopes (wildcards included) cover one required scope. */
export function grants(granted: readonly string[], required: string): boolean {
  for (const scope of granted) {
    if (scope === required) return true;
    if (scope === '*') return true;
    if (scope.endsWith(':*') && required.startsWith(scope.slice(0, -1))) return true;
  }
  return false;
}

/**
 * True when the granted scopes cover everything one granted scope (`grant`, wildcards allowed)
 * covers: `users:*` is covered by `users:*`, `*` (or a wider wildcard), not by `users:read`.
 */
export function coversGrant(granted: readonly string[], grant: string): boolean {
  if (!grant.endsWith('*')) return grants(granted, grant);
  // `*` or `a:b:*`: only a wildcard whose stem starts the grant's stem covers it.
  const stem = grant.slice(0, -1);
  return granted.some((scope) => scope.endsWith('*') && stem.startsWith(scope.slice(0, -1)));
}

/**
 * True when the granted scopes cover all (default) or any of the required ones. A granted
 * `users:*` covers `users:read` and `users:read:own`, not `users` itself.
 *
 * @example
 * ```ts
 * hasScopes(['users:*'], ['users:read', 'users:write']); // true
 * hasScopes(['users:read'], ['users:read', 'billing:read'], 'any'); // true
 * hasScopes(apiKey.scopes, ['billing:write']); // false unless granted
 * ```
 */
export function hasScopes(granted: readonly string[], required: readonly string[], match: ScopeMatch = 'all'): boolean {
  return match === 'all' ? required.every((s) => grants(granted, s)) : required.some((s) => grants(granted, s));
}

// A scope in an error message: quoted only when safe to echo (it could be a pasted key).
function describe(value: unknown): string {
  return typeof value === 'string' ? quoteSafely(value, '(not shown)') : `of type ${typeof value}`;
}
