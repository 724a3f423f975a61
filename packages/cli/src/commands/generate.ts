import { generateKey } from '@keygate/core';
import type { Values } from '../command-line.js';
import { hasherOf } from '../hasher.js';
import { type CliIo, printer } from '../io.js';
import { DEFAULT_PREFIX } from '../keygate.js';
import { text } from '../options.js';

/** `generate`: mints a key offline and prints it with its id and the hash a store would keep. */
export async function generate(values: Values, io: CliIo): Promise<void> {
  const { key, id, prefix, secret } = generateKey(text(values.prefix) ?? DEFAULT_PREFIX);
  const hash = await hasherOf(values, io).hash(secret);
  printer(values, io)({ key, id, prefix, hash }, `key:  ${key}\nid:   ${id}\nhash: ${hash}\n`);
}
