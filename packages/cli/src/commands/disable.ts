import { keyToJson } from '@keygate/core';
import type { Values } from '../command-line.js';
import { type CliIo, printer } from '../io.js';
import { existingKey, keygateOver } from '../keygate.js';
import { withStore } from '../store.js';

/** `disable ID`: disables a key until `enable ID` (a key already disabled is left as it was). */
export async function disable(values: Values, io: CliIo, id: string): Promise<void> {
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const before = await existingKey(keygate, id);
    const disabled = await keygate.keys.disable(id);
    const when = disabled.disabledAt?.toISOString();
    printer(values, io)(
      { apiKey: keyToJson(disabled) },
      before.disabledAt === null
        ? `Disabled key ${id} (owner ${disabled.owner}) at ${when}.\n`
        : `Key ${id} was already disabled, at ${when}.\n`,
    );
  });
}

/** `enable ID`: enables a disabled key again (a key that is not disabled is left as it was). */
export async function enable(values: Values, io: CliIo, id: string): Promise<void> {
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const before = await existingKey(keygate, id);
    const enabled = await keygate.keys.enable(id);
    printer(values, io)(
      { apiKey: keyToJson(enabled) },
      before.disabledAt === null ? `Key ${id} was not disabled.\n` : `Enabled key ${id} (owner ${enabled.owner}).\n`,
    );
  });
}
