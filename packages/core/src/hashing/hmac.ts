import { createHmac, timingSafeEqual } from 'node:crypto';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { Hasher } from './hasher.js';

/** Options of the HMAC-SHA-256 hasher. */
export interface HmacHasherOptions {
  /** Server-side secret mixed into every hash, kept outside the key store (≥ 32 bytes). Default: none. */
  pepper?: string | Uint8Array;
  /** A short public name for the pepper, stored in each hash so a pepper change is detected. Default `default`, or `none` without a pepper. */
  pepperId?: string;
}

const TAG = 'hmac-sha256';
const PEPPER_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const check: OptionChecks = optionChecks('hmacSha256Hasher()');
const OPTION_NAMES = optionNames<HmacHasherOptions>({ pepper: true, pepperId: true });

/**
 * HMAC-SHA-256 of the secret, keyed with an optional pepper, stored as `hmac-sha256$<pepperId>$<base64url>`.
 * No KDF cost: fit for 256-bit random secrets (see docs/security.md). The default `hasher` of
 * createKeygate, without a pepper; a pepper kept outside the key store adds a secret that a leaked
 * store does not contain.
 * Throws `invalid_options` for a pepper under 32 bytes or a malformed `pepperId`.
 *
 * @example
 * ```ts
 * const keygate = createKeygate({
 *   store,
 *   hasher: hmacSha256Hasher({ pepper: process.env.KEYGATE_PEPPER, pepperId: '2025a' }),
 * });
 * ```
 */
export function hmacSha256Hasher(options: HmacHasherOptions = {}): Hasher {
  check.object(undefined, options, OPTION_NAMES);
  const given = options.pepper;
  if (given !== undefined && typeof given !== 'string' && !(given instanceof Uint8Array)) {
    check.fail('`pepper` must be a string or a Uint8Array.', 'pepper');
  }
  const pepper = given === undefined ? Buffer.alloc(0) : Buffer.from(given);
  if (given !== undefined && pepper.length < 32) check.fail('`pepper` must be at least 32 bytes.', 'pepper');
  const pepperId = options.pepperId ?? (pepper.length > 0 ? 'default' : 'none');
  if (typeof pepperId !== 'string' || !PEPPER_ID_RE.test(pepperId)) {
    check.fail('`pepperId` must be 1-32 characters of [A-Za-z0-9_-].', 'pepperId');
  }
  const head = `${TAG}$${pepperId}$`;
  const digest = (secret: string) => createHmac('sha256', pepper).update(secret).digest();
  return Object.freeze({
    algorithm: TAG,
    async hash(secret: string) {
      return head + digest(secret).toString('base64url');
    },
    async verify(secret: string, stored: string) {
      if (!stored.startsWith(head)) return false;
      const expected = Buffer.from(stored.slice(head.length), 'base64url');
      const actual = digest(secret);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
    needsRehash(stored: string) {
      return !stored.startsWith(head);
    },
  });
}
