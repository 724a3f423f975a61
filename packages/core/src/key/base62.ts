import { randomBytes } from 'node:crypto';

/** The 62 characters keys are written in: digits, then upper case, then lower case. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// 248 = 4 * 62: bytes at or above it are dropped so that every character is equally likely.
const UNBIASED_LIMIT = 248;

/** `length` characters drawn uniformly from the base62 alphabet with node:crypto's CSPRNG. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes((length - out.length) * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i] as number;
      if (byte < UNBIASED_LIMIT) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}

/** Writes an unsigned 32-bit integer in base62, left-padded with '0' to `width` characters. */
export function encodeBase62(value: number, width: number): string {
  let out = '';
  let rest = value >>> 0;
  do {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, '0');
}

/** True for the characters 0-9, A-Z and a-z, given as a char code. */
export function isBase62Code(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
