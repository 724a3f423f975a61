import type { ApiKey } from '../key/record.js';
import { assertRequirableScope, hasScopes, type ScopeMatch } from '../key/scopes.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import { resolveRealm } from './authenticate.js';
import { authProblems, insufficientScopeProblem, type ProblemResponse } from './problem.js';

/** Options of a scope guard. */
export interface ScopeGuardOptions {
  /** Whether the key needs all of the scopes or any one. Default `all`. */
  match?: ScopeMatch;
  /** Realm of the challenge, as given to the authentication middleware. Default `api`. */
  realm?: string;
}

const check: OptionChecks = optionChecks('requireScopes()');
const SCOPE_GUARD_OPTION_NAMES = optionNames<ScopeGuardOptions>({ match: true, realm: true });

/** Checks the key attached to a request: undefined when it may pass, else the response to send. */
export type ScopeGuard = (key: ApiKey | null | undefined) => ProblemResponse | undefined;

/**
 * Builds a guard requiring scopes. Scopes are validated now, so a typo fails at startup.
 * A request with no key gets 401; a key lacking scopes gets 403 naming them.
 *
 * @example
 * ```ts
 * const guard = createScopeGuard(['deploys:write', 'admin:write'], { match: 'any' });
 * const refusal = guard(req.apiKey); // undefined when the key may pass
 * if (refusal) send(res, refusal);
 * else next();
 * ```
 */
export function createScopeGuard(scopes: string | readonly string[], options: ScopeGuardOptions = {}): ScopeGuard {
  if (typeof scopes !== 'string' && !Array.isArray(scopes)) check.fail('takes a scope or an array of scopes.');
  const required = Object.freeze(typeof scopes === 'string' ? [scopes] : [...scopes]);
  if (required.length === 0) check.fail('needs at least one scope.');
  for (const scope of required) assertRequirableScope(scope);
  check.object(undefined, options, SCOPE_GUARD_OPTION_NAMES);
  const match = check.oneOf<ScopeMatch>('match', options.match, ['all', 'any'], 'all');
  const realm = resolveRealm(options.realm, check);
  const missing = authProblems(realm).missing;
  const forbidden = insufficientScopeProblem(realm, required, match);
  return (key) => {
    if (!key) return missing;
    return hasScopes(key.scopes, required, match) ? undefined : forbidden;
  };
}
