// Paging through an owner's keys: the options of KeyManager.list, checked once, and the opaque
// cursor that carries a store's RecordPosition between pages.
import { KeygateError } from '../errors.js';
import { isKeyId } from '../key/format.js';
import type { ApiKey } from '../key/record.js';
import type { RecordPosition } from '../stores/store.js';

/** Which keys a listing shows: `active` (neither revoked nor expired; the default) or `all`. */
export type KeyListState = 'active' | 'all';

/** Options of KeyManager.list. */
export interface ListKeysOptions {
  /** Most keys per page, 1-1000. Default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. Default: the first page. */
  cursor?: string | null;
  /** `active` keys only (default), or `all`, revoked and expired included. */
  state?: KeyListState;
}

/** One page of keys, oldest first, and the cursor of the next page (null on the last). */
export interface KeyPage {
  /** The keys of this page (public views, never a hash). */
  readonly keys: ApiKey[];
  /** Pass it as `cursor` to get the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/** Most keys one page may hold. */
export const MAX_PAGE_SIZE = 1000;
/** Keys per page when no limit is given. */
export const DEFAULT_PAGE_SIZE = 100;

const CURSOR_RE = /^(\d{1,15})\.(.+)$/;

/** Validates list options; throws `invalid_input` naming the field. */
export function checkListOptions(options: ListKeysOptions): {
  limit: number;
  after: RecordPosition | undefined;
  state: KeyListState;
} {
  if (typeof options !== 'object' || options === null) {
    throw new KeygateError('invalid_input', 'list() options must be an object.');
  }
  const { limit = DEFAULT_PAGE_SIZE, cursor, state = 'active' } = options;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new KeygateError('invalid_input', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`, { field: 'limit' });
  }
  if (state !== 'active' && state !== 'all') {
    throw new KeygateError('invalid_input', "state must be 'active' or 'all'.", { field: 'state' });
  }
  return { limit, after: cursor === undefined || cursor === null ? undefined : decodeCursor(cursor), state };
}

/** The opaque cursor of a position. */
export function encodeCursor(position: RecordPosition | null): string | null {
  if (position === null) return null;
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): RecordPosition {
  const text = typeof cursor === 'string' && cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = CURSOR_RE.exec(text);
  if (match === null || !isKeyId(match[2]))
    throw new KeygateError('invalid_input', 'cursor is not one this API returned.', { field: 'cursor' });
  return { createdAt: new Date(Number(match[1])), id: match[2] as string };
}
