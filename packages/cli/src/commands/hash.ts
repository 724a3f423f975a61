import { parseKey } from '@keygate/core';
import type { Values } from '../command-line.js';
import { usage } from '../exit.js';
import { hasherOf } from '../hasher.js';
import { type CliIo, printer } from '../io.js';

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
