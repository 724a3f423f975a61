// The one rule for environment names (`live`, `test`…), wherever a name is given: the instance's
// `environments` map, `rateLimit.environments`, and `requireEnvironment`.

/** What an environment name looks like, for messages. */
export const ENVIRONMENT_NAME_RULE = '[a-z][a-z0-9_-]{0,31}';

const ENVIRONMENT_NAME = new RegExp(`^${ENVIRONMENT_NAME_RULE}$`);

/** True when `value` is a valid environment name: a lower-case letter, then up to 31 of a-z, 0-9, `_`, `-`. */
export function isEnvironmentName(value: unknown): value is string {
  return typeof value === 'string' && ENVIRONMENT_NAME.test(value);
}
