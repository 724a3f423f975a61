import * as scryptModule from 'scrypt-kdf';
import { KeygateError } from '../errors.js';
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

/**
 * The default hasher: scrypt through `scrypt-kdf`, whose 96-byte output carries its own salt and
 * parameters (Colin Percival's format), stored as `scrypt$<base64>`.
 */
export function scryptHasher(options: ScryptHasherOptions = {}): Hasher {
  const params = Object.freeze({ logN: options.logN ?? 15, r: options.r ?? 8, p: options.p ?? 1 });
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isInteger(value) || value < 1 || (name === 'logN' && value > 24)) {
      throw new KeygateError('invalid_options', `scryptHasher: ${name} must be a positive integer (logN at most 24).`);
    }
  }
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
