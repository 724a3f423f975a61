// Option checking for every entry point that takes options (createKeygate, the adapters'
// middleware, the management routes, rate limiting, stores, limiters, hashers): one rule per kind
// of option and one wording of its error, KeygateError `invalid_options`, thrown when the options
// are given, never on a request. Unknown option names are not errors: each is reported once with
// `console.warn`, with the closest known name.
import { KeygateError } from './errors.js';

/** Bounds of an integer option; `default` replaces an undefined value. */
export interface IntegerBounds {
  readonly min: number;
  /** Default: none (up to `Number.MAX_SAFE_INTEGER`). */
  readonly max?: number;
  readonly default?: number;
}

/** The checks of one options-taking entry point, whose name prefixes every message. */
export interface OptionChecks {
  /** Throws `invalid_options` with `message`. */
  fail(message: string, field?: string): never;
  /**
   * `value` as an options object (`path` names a nested one, e.g. `cache`; undefined for the options
   * themselves); throws `invalid_options` for anything but a plain object (arrays included), and
   * warns once for each name not in `known` (see {@link warnUnknownOptions}).
   */
  object<T extends object>(path: string | undefined, value: unknown, known: readonly string[]): T;
  /** An integer within `bounds`, or `bounds.default` when undefined. */
  integer(name: string, value: unknown, bounds: IntegerBounds): number;
  /** `true` or `false`, or `fallback` when undefined. */
  boolean(name: string, value: unknown, fallback?: boolean): boolean;
  /** A function, or `fallback` when undefined. */
  function<F extends (...args: never[]) => unknown>(name: string, value: unknown, fallback: F): F;
  function<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined;
  /** One of `allowed`, or `fallback` when undefined. */
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T;
  /**
   * A prefix of Redis keys, or `fallback` when undefined: a string of at most 128 characters
   * without `{` or `}`, which would change the Redis Cluster hash slot of the keys.
   */
  redisKeyPrefix(name: string, value: unknown, fallback: string): string;
}

/**
 * The checks of an entry point: `of` (e.g. `createKeygate()`, `RedisStore`) starts every message,
 * as in "keygate: RedisStore: `timeoutMs` must be…". Build it once, at module level.
 */
export function optionChecks(of?: string): OptionChecks {
  const head = of === undefined ? 'keygate: ' : `keygate: ${of}: `;
  function fail(message: string, field?: string): never {
    throw new KeygateError('invalid_options', head + message, field === undefined ? undefined : { field });
  }
  function fn<F>(name: string, value: unknown, fallback?: F): F | undefined {
    if (value === undefined) return fallback;
    if (typeof value !== 'function') fail(`\`${name}\` must be a function (received ${shown(value)}).`, name);
    return value as F;
  }
  return Object.freeze({
    fail,
    object<T extends object>(path: string | undefined, value: unknown, known: readonly string[]): T {
      if (!isOptionsObject(value)) {
        fail(`${path === undefined ? 'options' : `\`${path}\``} must be an options object (received ${shown(value)}).`);
      }
      warnUnknownOptions(value, known, { of, path });
      return value as T;
    },
    integer(name: string, value: unknown, { min, max, default: fallback }: IntegerBounds): number {
      const n = value === undefined ? fallback : value;
      const limit = max ?? Number.MAX_SAFE_INTEGER;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > limit) {
        const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
        fail(`\`${name}\` must be an integer ${range} (received ${shown(value)}).`, name);
      }
      return n;
    },
    boolean(name: string, value: unknown, fallback?: boolean): boolean {
      const b = value === undefined ? fallback : value;
      if (typeof b !== 'boolean') fail(`\`${name}\` must be a boolean (received ${shown(value)}).`, name);
      return b;
    },
    function: fn as OptionChecks['function'],
    oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T {
      const v = value === undefined ? fallback : value;
      if (!allowed.includes(v as T)) {
        const choices = allowed.map((a) => `'${a}'`);
        const listed = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
        fail(`\`${name}\` is ${listed} (received ${shown(value)}).`, name);
      }
      return v as T;
    },
    redisKeyPrefix(name: string, value: unknown, fallback: string): string {
      const prefix = value === undefined ? fallback : value;
      if (typeof prefix !== 'string' || prefix.length > 128 || /[{}]/.test(prefix)) {
        fail(
          `\`${name}\` must be a string of at most 128 characters without \`{\` or \`}\` (they would change the hash slot).`,
          name,
        );
      }
      return prefix;
    },
  });
}

/**
 * Every option name of `T`, listed once as `{ name: true, … }` so that the compiler checks the
 * list against the options type: a name missing from it or not in `T` fails to compile.
 */
export function optionNames<T extends object>(names: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(names));
}

/** Whether `value` can be an options object: an object that is not an array (class instances included). */
export function isOptionsObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Warnings already given, so that each is given once per process (bounded: a program generating
// option names cannot grow it without end).
const warned = new Set<string>();
const MAX_WARNINGS = 1000;

/**
 * Warns once per process, with `console.warn`, for each own enumerable name of `options` that is
 * not in `known`, naming the closest known one when one is near (a typo): "keygate:
 * createKeygate(): unknown option `maxKeyPerOwner` (did you mean `maxKeysPerOwner`?); it is
 * ignored." Unknown names are reported, not refused: options objects are often shared or spread
 * between calls, and a newer option given to an older version should not stop an application.
 */
export function warnUnknownOptions(
  options: object,
  known: readonly string[],
  where: { readonly of?: string | undefined; readonly path?: string | undefined } = {},
): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const at = where.path === undefined ? '' : `${where.path}.`;
    const closest = closestName(name, known);
    const hint = closest === undefined ? '' : ` (did you mean \`${at}${closest}\`?)`;
    const message = `keygate: ${where.of === undefined ? '' : `${where.of}: `}unknown option \`${at}${printable(name)}\`${hint}; it is ignored.`;
    if (warned.has(message) || warned.size >= MAX_WARNINGS) continue;
    warned.add(message);
    console.warn(message);
  }
}

/**
 * The known name closest to `name`, when it is near enough to be a typo of it: at most 2 edits
 * (insertions, deletions, substitutions, letter case ignored), and fewer than the length of the
 * shorter of the two (`ab` is no typo of `cd`).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  const lower = name.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance && distance < Math.min(name.length, candidate.length)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Levenshtein distance, one row at a time.
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

// An option name as shown in a warning: short, printable, no backticks.
function printable(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]|`/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

// A received value as shown in an error: numbers, booleans and null as they are, anything else
// by its type only (a string could be a secret put in the wrong place).
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}
