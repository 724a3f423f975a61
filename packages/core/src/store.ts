import type { KeyRecord, KeyRecordPatch } from './record.js';

/** Options of {@link KeyStore.create}. */
export interface CreateRecordOptions {
  /** Refuse the write when the owner already has this many active keys. Default: no cap. */
  maxActivePerOwner?: number;
}

/**
 * Where key records live. Implementations must be safe for concurrent use and must return
 * records that callers may mutate without affecting what is stored.
 */
export interface KeyStore {
  /** The record with this id, or null. */
  findById(id: string): Promise<KeyRecord | null>;
  /**
   * Stores a new record; throws KeygateError `conflict` when the id exists, and `limit_exceeded`
   * when `options.maxActivePerOwner` is set and the owner already has that many active
   * (neither revoked nor expired) keys. The check and the write are atomic.
   */
  create(record: KeyRecord, options?: CreateRecordOptions): Promise<void>;
  /** Applies a patch and returns the updated record, or null when the id is unknown. */
  update(id: string, patch: KeyRecordPatch): Promise<KeyRecord | null>;
  /** Every record of one owner, oldest first. */
  listByOwner(owner: string): Promise<KeyRecord[]>;
}
