import type { Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { openStoreOf, storeUrlOf } from '../store.js';

/** `migrate`: creates the PostgreSQL table and its index (idempotent); Redis needs none. */
export async function migrate(values: Values, io: CliIo): Promise<void> {
  if (/^rediss?:/i.test(storeUrlOf(values, io) ?? ''))
    throw usage('migrate is for PostgreSQL stores: Redis needs none.');
  const opened = await openStoreOf(values, io);
  try {
    await opened.migrate?.();
  } finally {
    await opened.close();
  }
  printer(values, io)({ migrated: true }, 'The key table and its index are in place.\n');
}
