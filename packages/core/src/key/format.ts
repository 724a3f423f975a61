import { KeygateError } from '../errors.js';
import { encodeBase62, isBase62Code, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';

// A key is `<prefix>_<id>_<secret><checksum>`, e.g.
//   sk_live_4Gq0T2mYb7cX_Zr8...43 chars...k2Jw1c9
// prefix   1-32 chars, [a-z0-9] words joined by single '_', starting with a letter (readable, configurable)
// id       12 base62 chars = 71 random bits: the public lookup id, safe to log
// secret   43 base62 chars = 256 random bits: only its hash is stored
// checksum  6 base62 chars: CRC-32 of everything before it, so typos are caught without a lookup

/** Length of the public key id, in base62 characters (71 bits). */
export const KEY_ID_LENGTH = 12;
/** Length of the secret, in base62 characters (256 bits). */
export const KEY_SECRET_LENGTH = 43;
/** Length of the CRC-32 checksum, in base62 characters. */
export const KEY_CHECKSUM_LENGTH = 6;
/** Longest accepted prefix. */
export const MAX_PREFIX_LENGTH = 32;

const TAIL_LENGTH = 1 + KEY_ID_LENGTH + 1 + KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH;
/** Longest string that can be a keygate key; anything longer is rejected before any other work. */
export const MAX_KEY_LENGTH = MAX_PREFIX_LENGTH + TAIL_LENGTH;

const KEY_ID_RE = new RegExp(`^[0-9A-Za-z]{${KEY_ID_LENGTH}}$`);

/** True when `value` has the shape of a public key id (12 base62 characters). */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID_RE.test(value);
}

const PREFIX_SOURCE = '[a-z][a-z0-9]*(?:_[a-z0-9]+)*';
const PREFIX_RE = new RegExp(`^${PREFIX_SOURCE}$`);
const TAIL_SOURCE = `_[0-9A-Za-z]{${KEY_ID_LENGTH}}_[0-9A-Za-z]{${KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH}}`;

/**
 * Matches a keygate key of any prefix inside text, for secret scanners; `new RegExp(KEY_PATTERN, 'g')`
 * finds them all. Candidates still need {@link parseKey} to confirm the checksum.
 */
export const KEY_PATTERN = new RegExp(`(?<![A-Za-z0-9_])${PREFIX_SOURCE}${TAIL_SOURCE}(?![A-Za-z0-9_])`);

/** A stricter scanner pattern for the keys of one prefix (pass flags such as 'g' as needed). */
export function keyPattern(prefix: string, flags = ''): RegExp {
  assertPrefix(prefix);
  return new RegExp(`(?<![A-Za-z0-9_])${prefix}${TAIL_SOURCE}(?![A-Za-z0-9_])`, flags);
}

/** The parts of a well-formed key. */
export interface ParsedKey {
  /** The prefix, e.g. `sk_live`. */
  readonly prefix: string;
  /** The public key id (12 base62 characters): safe to log, the store looks keys up by it. */
  readonly id: string;
  /** The secret (43 base62 characters, without the checksum): never log or store it, only its hash. */
  readonly secret: string;
}

/** Why a string is not a keygate key: not shaped like one, or shaped like one with a wrong checksum. */
export type KeyParseError = 'malformed' | 'checksum';

/** The outcome of {@link parseKey}. */
export type KeyParseResult =
  | { readonly ok: true; readonly key: ParsedKey }
  | { readonly ok: false; readonly error: KeyParseError };

/** Throws `invalid_prefix` unless `prefix` is 1-32 chars of lower-case words joined by '_'. */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || !PREFIX_RE.test(prefix)) {
    throw new KeygateError(
      'invalid_prefix',
      `A key prefix must be 1-${MAX_PREFIX_LENGTH} characters of lower-case letters and digits, words joined by single underscores, starting with a letter (e.g. "sk_live").`,
    );
  }
}

/**
 * Mints a new key from node:crypto's CSPRNG. The caller shows `key` once and stores only a hash of `secret`.
 * Applications create keys with `keygate.keys.create`, which calls this and stores the hash; this
 * is for tools that keep keys elsewhere. Throws `invalid_prefix` for a bad prefix.
 *
 * @example
 * ```ts
 * const { key, id, secret } = generateKey('sk_live');
 * // key: `sk_live_<id>_<secret><checksum>`; id: 12 characters, safe to log
 * ```
 */
export function generateKey(prefix: string): ParsedKey & { readonly key: string } {
  assertPrefix(prefix);
  const id = randomBase62(KEY_ID_LENGTH);
  const secret = randomBase62(KEY_SECRET_LENGTH);
  const body = `${prefix}_${id}_${secret}`;
  return { key: body + checksumOf(body), prefix, id, secret };
}

/**
 * Splits a presented string into prefix, id and secret, checking shape and checksum.
 * Length is capped first, then one linear pass; it never throws, whatever `input` is.
 * It does not look the key up: `keygate.verify` does that.
 *
 * @example
 * ```ts
 * const parsed = parseKey(presented);
 * if (parsed.ok) console.log(parsed.key.prefix, parsed.key.id); // never log parsed.key.secret
 * else console.log(parsed.error); // 'malformed', or 'checksum' for a typo
 * ```
 */
export function parseKey(input: unknown): KeyParseResult {
  if (typeof input !== 'string' || input.length > MAX_KEY_LENGTH || input.length < TAIL_LENGTH + 1) {
    return MALFORMED;
  }
  const tail = input.length - TAIL_LENGTH;
  const secretStart = tail + 1 + KEY_ID_LENGTH + 1;
  if (input.charCodeAt(tail) !== UNDERSCORE || input.charCodeAt(secretStart - 1) !== UNDERSCORE) return MALFORMED;
  if (!allBase62(input, tail + 1, secretStart - 1) || !allBase62(input, secretStart, input.length)) return MALFORMED;
  const prefix = input.slice(0, tail);
  if (!PREFIX_RE.test(prefix)) return MALFORMED;

  const checksumStart = input.length - KEY_CHECKSUM_LENGTH;
  // The checksum is public information (anyone can compute it), so a plain comparison is fine here.
  if (checksumOf(input.slice(0, checksumStart)) !== input.slice(checksumStart)) return CHECKSUM;
  return {
    ok: true,
    key: { prefix, id: input.slice(tail + 1, secretStart - 1), secret: input.slice(secretStart, checksumStart) },
  };
}

const UNDERSCORE = 95;
const MALFORMED: KeyParseResult = Object.freeze({ ok: false, error: 'malformed' });
const CHECKSUM: KeyParseResult = Object.freeze({ ok: false, error: 'checksum' });

function checksumOf(body: string): string {
  return encodeBase62(crc32(body), KEY_CHECKSUM_LENGTH);
}

function allBase62(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isBase62Code(text.charCodeAt(i))) return false;
  return true;
}
