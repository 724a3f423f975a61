// Reading option values: strings, required ones and durations.
import { parseDuration, type Values } from './command-line.js';
import { usage } from './exit.js';

/** A string option's value, or undefined. */
export function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A string option that must be given and not empty. Throws a usage error. */
export function required(values: Values, name: 'owner' | 'name'): string {
  const value = text(values[name]);
  if (value === undefined || value === '') throw usage(`--${name} is required.`);
  return value;
}

/** A duration option in ms; `0` only where `zero` allows it. Throws a usage error. */
export function duration(values: Values, name: 'expires-in' | 'grace', zero: boolean): number {
  const ms = parseDuration(name, text(values[name]) ?? '');
  if (ms === 0 && !zero) throw usage(`--${name} must be longer than 0.`);
  return ms;
}
