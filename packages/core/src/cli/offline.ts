// Commands that need no store: `generate` and `hash`.
import type { Hasher } from '../hashing/hasher.js';
import { hmacSha256Hasher } from '../hashing/hmac.js';
import { scryptHasher } from '../hashing/scrypt.js';
import { generateKey, parseKey } from '../key/format.js';
import { usage } from './args.js';
import { type CliIo, printer, text, type Values } from './io.js';

/** `generate`: mints a key offline and prints it with its id and the hash a store would keep. */
export async function generate(values: Values, io: CliIo): Promise<void> {
  const { key, id, prefix, secret } = generateKey(text(values.prefix) ?? 'kg');
  const hash = await hasherOf(values, io).hash(secret);
  printer(values, io)({ key, id, prefix, hash }, `key:  ${key}\nid:   ${id}\nhash: ${hash}\n`);
}

/** `hash`: reads a key from stdin (never argv, which lands in shell history) and prints its stored hash. */
export async function hash(values: Values, io: CliIo): Promise<void> {
  if (io.stdinIsTty) io.err('Paste the key, then press Enter and Ctrl-D:\n');
  const parsed = parseKey((await io.readStdin()).trim());
  if (!parsed.ok) {
    throw usage(
      parsed.error === 'checksum'
        ? 'stdin holds a key with a wrong checksum (a typo?).'
        : 'stdin holds no keygate key.',
    );
  }
  const { id, prefix, secret } = parsed.key;
  const digest = await hasherOf(values, io).hash(secret);
  printer(values, io)({ id, prefix, hash: digest }, `id:   ${id}\nhash: ${digest}\n`);
}

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
