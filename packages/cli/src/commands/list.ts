import { keyToJson } from '@keygate/core';
import type { Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { status, until } from '../key-summary.js';
import { keygateOver } from '../keygate.js';
import { required, text } from '../options.js';
import { withStore } from '../store.js';

/** `list`: an owner's keys, a page at a time (never a hash or a key). */
export async function list(values: Values, io: CliIo): Promise<void> {
  const owner = required(values, 'owner');
  const limit = text(values.limit);
  if (limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(limit))
    throw usage('--limit must be an integer from 1 to 1000.');
  const options = {
    limit: limit === undefined ? undefined : Number(limit),
    cursor: text(values.cursor),
    state: values.all === true ? ('all' as const) : ('active' as const),
  };
  await withStore(values, io, async (store) => {
    const { keys, nextCursor } = await keygateOver(store).keys.list(owner, options);
    const lines = keys.map((k) => `${k.id}  ${status(k).padEnd(9)}${k.name}  [${k.scopes.join(' ')}]${until(k)}\n`);
    const none = `No ${options.state === 'all' ? '' : 'active '}keys for ${owner}${options.cursor ? ' on this page' : ''}.\n`;
    const more = nextCursor === null ? '' : `More keys: add --cursor ${nextCursor}\n`;
    printer(values, io)({ keys: keys.map(keyToJson), nextCursor }, (keys.length === 0 ? none : lines.join('')) + more);
  });
}
