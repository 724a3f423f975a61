import { keyToJson } from '@keygate/core';
import type { Values } from '../command-line.js';
import { type CliIo, printer } from '../io.js';
import { existingKey, keygateOver } from '../keygate.js';
import { withStore } from '../store.js';

/** `revoke ID`: revokes a key for good (a key already revoked is left as it was). */
export async function revoke(values: Values, io: CliIo, id: string): Promise<void> {
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const before = await existingKey(keygate, id);
    const revoked = await keygate.keys.revoke(id);
    const when = revoked.revokedAt?.toISOString();
    printer(values, io)(
      { apiKey: keyToJson(revoked) },
      before.revokedAt === null
        ? `Revoked key ${id} (owner ${revoked.owner}) at ${when}.\n`
        : `Key ${id} was already revoked, at ${when}.\n`,
    );
  });
}
