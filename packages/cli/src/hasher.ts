// The hasher `--hasher` names: it must match the application's, or the keys the CLI writes never verify.
import { type Hasher, hmacSha256Hasher, scryptHasher } from '@keygate/core';
import type { Values } from './command-line.js';
import { usage } from './exit.js';
import type { CliIo } from './io.js';
import { text } from './options.js';

/** The hasher `--hasher` names: hmac-sha256 (default, as createKeygate's) with its pepper from KEYGATE_PEPPER, or scrypt. */
export function hasherOf(values: Values, io: CliIo): Hasher {
  const name = text(values.hasher) ?? 'hmac-sha256';
  const pepperId = text(values['pepper-id']);
  if (name === 'scrypt') {
    if (pepperId !== undefined) throw usage('--pepper-id applies to --hasher hmac-sha256 only.');
    return scryptHasher();
  }
  if (name !== 'hmac-sha256') throw usage('--hasher must be scrypt or hmac-sha256.');
  const pepper = io.env.KEYGATE_PEPPER;
  return hmacSha256Hasher({ ...(pepper ? { pepper } : {}), ...(pepperId === undefined ? {} : { pepperId }) });
}
