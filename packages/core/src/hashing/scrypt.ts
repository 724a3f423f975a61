import * as scryptModule from 'scrypt-kdf';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { Hasher } from './hasher.js';

// scrypt-kdf 4 ships a default-exported class while its typings declare named functions: accept both.
type ScryptApi = Pick<typeof scryptModule, 'kdf' | 'verify' | 'viewParams'>;
const Scrypt: ScryptApi = (scryptModule as unknown as { default?: ScryptApi }).default ?? scryptModule;

/** scrypt cost parameters. */
export interface ScryptHasherOptions {
  /** log2 of the CPU/memory cost N. Default 15 (32 MiB, about 50-100 ms on a server core). */
  logN?: number;
  /** Block size. Default 8. */
  r?: number;
  /** Parallelism. Default 1. */
  p?: number;
}

const TAG = 'scrypt';
const KDF_LENGTH = 96;
const check: OptionChecks = optionChecks('scryptHasher()');
const OPTION_NAMES = optionNames<ScryptHasherOptions>({ logN: true, r: true, p: true });

/**
 * A memory-hard hasher: scrypt through `scrypt-kdf`, whose 96-byte output carries its own salt and
 * parameters (Colin Percival's format), stored as `scrypt$<base64>`. Not the default (that is
 * `hmacSha256Hasher()`: a 256-bit random secret needs no slow KDF), but available for policies
 * that require one; with the default hasher, createKeygate still verifies scrypt hashes (its
 * default `legacyHashers`) and re-hashes them on use. Throws `invalid_options` for bad parameters.
 *
 * @example
 * ```ts
 * const keygate = createKeygate({
 *   store,
 *   hasher: scryptHasher({ logN: 15 }),
 *   legacyHashers: [hmacSha256Hasher()], // keys hashed before still verify, and are re-hashed with scrypt
 * });
 * ```
 */
export function scryptHasher(options: ScryptHasherOptions = {}): Hasher {
  check.object(undefined, options, OPTION_NAMES);
  const params = Object.freeze({
    logN: check.integer('logN', options.logN, { min: 1, max: 24, default: 15 }),
    r: check.integer('r', options.r, { min: 1, default: 8 }),
    p: check.integer('p', options.p, { min: 1, default: 1 }),
  });
  const decode = (stored: string): Uint8Array | undefined => {
    if (!stored.startsWith(`${TAG}$`)) return undefined;
    const bytes = Buffer.from(stored.slice(TAG.length + 1), 'base64');
    return bytes.length === KDF_LENGTH ? new Uint8Array(bytes) : undefined;
  };
  return Object.freeze({
    algorithm: TAG,
    async hash(secret: string) {
      const derived = await Scrypt.kdf(secret, params);
      return `${TAG}$${Buffer.from(derived).toString('base64')}`;
    },
    async verify(secret: string, stored: string) {
      const derived = decode(stored);
      return derived !== undefined && Scrypt.verify(derived, secret);
    },
    needsRehash(stored: string) {
      const derived = decode(stored);
      if (derived === undefined) return true;
      const used = Scrypt.viewParams(derived);
      return used.logN !== params.logN || used.r !== params.r || used.p !== params.p;
    },
  });
}
