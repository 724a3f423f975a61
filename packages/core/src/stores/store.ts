import type { KeyRecord, KeyRecordPatch } from '../key/record.js';

/** Options of {@link KeyStore.create}. */
export interface CreateRecordOptions {
  /** Refuse the write when the owner already has this many active keys. Default: no cap. */
  maxActivePerOwner?: number;
}

/** Options of {@link KeyStore.update}. */
export interface UpdateRecordOptions {
  /** Apply the patch only while the stored `version` equals this; otherwise throw `conflict`. Default: unconditional. */
  ifVersion?: number;
}

/** One rotation, written by {@link KeyStore.rotate} in a single atomic step. */
export interface RecordRotation {
  /** Id of the key being replaced. */
  readonly id: string;
  /** The replaced key's `version` as last read: the rotation applies only while it is unchanged. */
  readonly ifVersion: number;
  /** What changes on the replaced key (`replacedBy`, its revocation or grace-period expiry, `version`). */
  readonly patch: KeyRecordPatch;
  /** The new key's record (same owner). */
  readonly replacement: KeyRecord;
  /**
   * Refuse (`limit_exceeded`) when the owner's active keys other than the replaced one number this
   * many or more at `replacement.createdAt`. Default: no cap.
   */
  readonly maxActivePerOwner?: number;
}

/** Where a page of {@link KeyStore.listByOwner} starts: just after the record with this `createdAt` and `id`. */
export interface RecordPosition {
  /** The record's `createdAt`. */
  readonly createdAt: Date;
  /** The record's `id` (breaks ties in `createdAt`). */
  readonly id: string;
}

/** Options of {@link KeyStore.listByOwner}. */
export interface ListRecordsOptions {
  /** Most records in the page (a positive integer). */
  readonly limit: number;
  /** Start after this position (exclusive), the `next` of the previous page. Default: the first record. */
  readonly after?: RecordPosition | undefined;
  /** Only records active at this instant (epoch ms): neither revoked nor expired. Default: every record. */
  readonly activeAt?: number | undefined;
}

/** One page of an owner's records, ordered by `createdAt`, then `id`. */
export interface RecordPage {
  /** The records of this page, at most `limit`. */
  readonly records: KeyRecord[];
  /**
   * Where the next page starts, or null when there is none. A page may hold fewer than `limit`
   * records and still have a next one: stores bound the entries they examine per page.
   */
  readonly next: RecordPosition | null;
}

/** Where a page of {@link KeyStore.findExpiring} or {@link KeyStore.findUnused} starts: just after this entry. */
export interface FoundPosition {
  /** The instant the records are ordered by: the `expiresAt` of an expiring key, the last use (or creation) of an unused one. */
  readonly at: Date;
  /** The record's `id` (breaks ties in `at`). */
  readonly id: string;
}

/** Options of {@link KeyStore.findExpiring} and {@link KeyStore.findUnused}. */
export interface FindRecordsOptions {
  /** Most records in the page (a positive integer). */
  readonly limit: number;
  /** Start after this position (exclusive), the `next` of the previous page. Default: the first record. */
  readonly after?: FoundPosition | undefined;
  /** The instant (epoch ms) the keys must be active at: neither revoked nor expired. */
  readonly activeAt: number;
}

/** One page of records of every owner, ordered by the instant of the search (see {@link FoundPosition}), then `id`. */
export interface FoundPage {
  /** The records of this page, at most `limit`. */
  readonly records: KeyRecord[];
  /** Where the next page starts, or null when there is none (a page may hold fewer than `limit` records and still have a next one). */
  readonly next: FoundPosition | null;
}

/** One `lastUsedAt` to write, as {@link KeyStore.touchMany} takes them. */
export interface LastUsedUpdate {
  /** The key's id. */
  readonly id: string;
  /** The key's owner (it never changes): lets a store find the record without a lookup. */
  readonly owner: string;
  /** When the key was used; a store keeps a later time it already has. */
  readonly lastUsedAt: Date;
}

/**
 * Where key records live. Implementations must be safe for concurrent use (several processes
 * included) and must return records that callers may mutate without affecting what is stored.
 * Run the KeyStore conformance suite of keygate's tests against a custom store.
 */
export interface KeyStore {
  /** The record with this id, or null. */
  findById(id: string): Promise<KeyRecord | null>;
  /**
   * Stores a new record; throws KeygateError `conflict` when the id exists, and `limit_exceeded`
   * when `options.maxActivePerOwner` is set and the owner already has that many active
   * (neither revoked nor expired at `record.createdAt`) keys. The check and the write are atomic.
   */
  create(record: KeyRecord, options?: CreateRecordOptions): Promise<void>;
  /**
   * Applies a patch and returns the updated record, or null when the id is unknown. With
   * `options.ifVersion`, the check of the stored version and the write are atomic, and a
   * mismatch throws KeygateError `conflict` and writes nothing.
   */
  update(id: string, patch: KeyRecordPatch, options?: UpdateRecordOptions): Promise<KeyRecord | null>;
  /**
   * Stores `rotation.replacement` and applies `rotation.patch` to the replaced key in one atomic
   * step, and returns the replaced key's updated record. Writes nothing and returns null when the
   * replaced key is unknown; throws `conflict` when its version is not `ifVersion` (or the new id
   * exists) and `limit_exceeded` when the owner's cap refuses the new key.
   */
  rotate(rotation: RecordRotation): Promise<KeyRecord | null>;
  /**
   * One page of an owner's records, ordered by `createdAt`, then `id`. The work per page is
   * bounded by `limit`, not by how many revoked or expired keys the owner has.
   */
  listByOwner(owner: string, options: ListRecordsOptions): Promise<RecordPage>;
  /**
   * Optional: writes the `lastUsedAt` of many keys in one call, keeping a later time already
   * stored (unknown ids are skipped; versions are left alone). Without it, last-used tracking
   * calls `update` once per key.
   */
  touchMany?(updates: readonly LastUsedUpdate[]): Promise<void>;
  /**
   * Optional: one page of the keys of every owner that are active at `options.activeAt` and
   * expire at or before `until` (epoch ms), ordered by `expiresAt`, then `id`. The work per page is
   * bounded by `limit`. Without it, `keys.findExpiring` throws `invalid_options`.
   */
  findExpiring?(until: number, options: FindRecordsOptions): Promise<FoundPage>;
  /**
   * Optional: one page of the keys of every owner that are active at `options.activeAt` and were
   * last used before `before` (epoch ms), or never used and created before it, ordered by that
   * instant (`lastUsedAt`, else `createdAt`), then `id`. The work per page is bounded by `limit`.
   * Without it, `keys.findUnused` throws `invalid_options`.
   */
  findUnused?(before: number, options: FindRecordsOptions): Promise<FoundPage>;
}
