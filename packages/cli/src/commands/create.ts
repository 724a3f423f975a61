import { keyToJson } from '@keygate/core';
import type { Values } from '../command-line.js';
import { usage } from '../exit.js';
import { hasherOf } from '../hasher.js';
import { type CliIo, printer } from '../io.js';
import { until } from '../key-summary.js';
import { keygateOver } from '../keygate.js';
import { duration, required, text } from '../options.js';
import { withStore } from '../store.js';

/** `create`: creates a key in the store and prints it, once. */
export async function create(values: Values, io: CliIo): Promise<void> {
  const owner = required(values, 'owner');
  const name = required(values, 'name');
  const scopes = text(values.scopes)
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const expiresIn = values['expires-in'] === undefined ? undefined : duration(values, 'expires-in', false);
  const cap = text(values['max-keys-per-owner']);
  if (cap !== undefined && !/^[1-9][0-9]{0,8}$/.test(cap))
    throw usage('--max-keys-per-owner must be a positive integer.');
  const setup = {
    hasher: hasherOf(values, io),
    prefix: text(values.prefix),
    maxKeysPerOwner: cap === undefined ? undefined : Number(cap),
  };
  await withStore(values, io, async (store) => {
    const { key, apiKey } = await keygateOver(store, setup).keys.create({ name, owner, scopes, expiresIn });
    printer(values, io)(
      { key, apiKey: keyToJson(apiKey) },
      `Created key ${apiKey.id} (${JSON.stringify(name)}) for ${owner}${until(apiKey)}.\n` +
        `It is shown this once; store it safely now:\n${key}\n`,
    );
  });
}
