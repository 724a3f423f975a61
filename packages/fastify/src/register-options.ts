// Fastify hands a plugin its registration options (`prefix`, `logLevel`, `logSerializers`) with
// the plugin's own: they are Fastify's, not keygate's unknown options.
import type { RegisterOptions } from 'fastify';

/** The names of Fastify's own registration options. */
export const REGISTER_OPTION_NAMES: readonly (keyof RegisterOptions)[] = Object.freeze([
  'prefix',
  'logLevel',
  'logSerializers',
]);

/** The plugin's own options, without Fastify's registration options. */
export function withoutRegisterOptions<T extends object>(options: T): T {
  const own = { ...options } as Record<string, unknown>;
  for (const name of REGISTER_OPTION_NAMES) delete own[name];
  return own as T;
}
