import { keyToJson } from '@keygate/core';
import type { Values } from '../command-line.js';
import { hasherOf } from '../hasher.js';
import { type CliIo, printer } from '../io.js';
import { existingKey, keygateOver } from '../keygate.js';
import { duration } from '../options.js';
import { withStore } from '../store.js';

/** `rotate ID`: replaces a key and prints the new one, once; the old one works for `--grace`. */
export async function rotate(values: Values, io: CliIo, id: string): Promise<void> {
  const gracePeriodMs = values.grace === undefined ? 0 : duration(values, 'grace', true);
  const hasher = hasherOf(values, io);
  await withStore(values, io, async (store) => {
    const old = await existingKey(keygateOver(store), id);
    // The replacement keeps the old key's prefix, so the application accepts it as it did the old one.
    const keygate = keygateOver(store, { hasher, prefix: old.prefix });
    const { key, apiKey, previous } = await keygate.keys.rotate(id, { gracePeriodMs });
    const fate =
      previous.revokedAt !== null ? 'is revoked' : `keeps working until ${previous.expiresAt?.toISOString()}`;
    printer(values, io)(
      { key, apiKey: keyToJson(apiKey), previous: keyToJson(previous) },
      `Rotated key ${id} to ${apiKey.id}; the old key ${fate}.\n` +
        `The new key is shown this once; store it safely now:\n${key}\n`,
    );
  });
}
