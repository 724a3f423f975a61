import { ENVIRONMENT_NAME_RULE, isEnvironmentName } from '../key/environment.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import { resolveRealm } from './authenticate.js';
import { authProblems, wrongEnvironmentProblem } from './problem.js';
import type { ScopeGuard } from './scope-guard.js';

/** Options of an environment guard. */
export interface EnvironmentGuardOptions {
  /** Realm of the challenge, as given to the authentication middleware. Default `api`. */
  realm?: string;
}

const check: OptionChecks = optionChecks('requireEnvironment()');
const ENVIRONMENT_GUARD_OPTION_NAMES = optionNames<EnvironmentGuardOptions>({ realm: true });
/** Checks the key attached to a request: undefined when it may pass, else the response to send. */
export type EnvironmentGuard = ScopeGuard;

/**
 * Builds a guard requiring a key of one environment (the instance's `environments` option). The
 * name is checked now, so a typo fails at startup. A request with no key gets 401; a key of
 * another environment (or of none) gets 403 `wrong_environment` naming the required one.
 *
 * @example
 * ```ts
 * const guard = createEnvironmentGuard('live');
 * const refusal = guard(req.apiKey); // undefined when the key is a live key
 * if (refusal) send(res, refusal);
 * else next();
 * ```
 */
export function createEnvironmentGuard(environment: string, options: EnvironmentGuardOptions = {}): EnvironmentGuard {
  if (!isEnvironmentName(environment)) {
    check.fail(`takes an environment name matching ${ENVIRONMENT_NAME_RULE}, e.g. "live".`);
  }
  check.object(undefined, options, ENVIRONMENT_GUARD_OPTION_NAMES);
  const realm = resolveRealm(options.realm, check);
  const missing = authProblems(realm).missing;
  const forbidden = wrongEnvironmentProblem(environment);
  return (key) => {
    if (!key) return missing;
    return key.environment === environment ? undefined : forbidden;
  };
}
