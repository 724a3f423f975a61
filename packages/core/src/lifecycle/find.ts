// keys.findExpiring and keys.findUnused: the searches across owners behind `keygate sweep`, paged
// with the opaque cursors of keys.list (page.ts), on the store's optional findExpiring / findUnused.
import { KeygateError } from '../errors.js';
import { type EnvironmentMap, toApiKey } from '../key/view.js';
import type { KeyStore } from '../stores/store.js';
import { checkListOptions, encodeCursor, type KeyPage } from './page.js';

/** Options of KeyManager.findExpiring and findUnused. */
export interface FindKeysOptions {
  /** Most keys per page, 1-1000. Default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. Default: the first page. */
  cursor?: string | null;
}

/** The store searches behind the two calls. */
export type KeySearch = 'findExpiring' | 'findUnused';

// Ten years: longer spans find nothing more, and keep every computed instant a valid Date.
const LONGEST_SPAN_MS = 10 * 366 * 86_400_000;

/** A search span in ms (`withinMs`, `sinceMs`): an integer from 1 ms to ten years; else `invalid_input` naming it. */
export function checkSpan(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LONGEST_SPAN_MS) {
    throw new KeygateError(
      'invalid_input',
      `${name} must be an integer number of milliseconds from 1 to ${LONGEST_SPAN_MS}.`,
      {
        field: name,
      },
    );
  }
  return value;
}

/** One page of a search of `store` up to `bound` (epoch ms) among the keys active at `at`. */
export async function findKeys(
  store: KeyStore,
  search: KeySearch,
  bound: number,
  at: number,
  options: FindKeysOptions,
  environments?: EnvironmentMap,
): Promise<KeyPage> {
  if (typeof options !== 'object' || options === null) {
    throw new KeygateError('invalid_input', `${search}() options must be an object.`);
  }
  const { limit, after } = checkListOptions({ limit: options.limit, cursor: options.cursor });
  const method = store[search];
  if (typeof method !== 'function') {
    throw new KeygateError(
      'invalid_options',
      `keygate: the key store has no ${search}(), an optional KeyStore method that keys.${search} needs (MemoryStore, RedisStore and PostgresStore have it).`,
    );
  }
  const position = after === undefined ? undefined : { at: after.createdAt, id: after.id };
  const page = await method.call(store, bound, { limit, after: position, activeAt: at });
  const next = page.next === null ? null : { createdAt: page.next.at, id: page.next.id };
  return { keys: page.records.map((record) => toApiKey(record, environments)), nextCursor: encodeCursor(next) };
}
