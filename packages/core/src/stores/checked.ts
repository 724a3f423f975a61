// The store as createKeygate uses it: any KeyStore, built-in or custom, behind one boundary where
// every record it returns is checked (see record-check.ts). Only store reads pay for the check;
// the verified-key cache holds checked records, so cache hits never do.

import type { KeyRecord, KeyRecordPatch } from '../key/record.js';
import { isActive } from '../key/state.js';
import { checkPosition, checkRecord, malformedStoreData } from './record-check.js';
import type {
  CreateRecordOptions,
  FindRecordsOptions,
  FoundPage,
  FoundPosition,
  KeyStore,
  LastUsedUpdate,
  ListRecordsOptions,
  RecordPage,
  RecordRotation,
  UpdateRecordOptions,
} from './store.js';

/**
 * A {@link KeyStore} passing calls to `store` and checking what comes back: every record of
 * `findById`, `update`, `rotate` and `listByOwner` goes through checkRecord (the id or owner asked
 * for included), and pages through checkPosition. Malformed output rejects with KeygateError
 * `store_unavailable`. An active listing (`activeAt`) leaves out records that the check finds
 * revoked or expired (e.g. an unreadable expiry).
 */
export class CheckedStore implements KeyStore {
  readonly #store: KeyStore;
  /** The store's own batch write of last-used times, when it has one (no record comes back to check). */
  readonly touchMany?: (updates: readonly LastUsedUpdate[]) => Promise<void>;
  /** The store's search of expiring keys, when it has one, its records checked (and only active ones kept). */
  readonly findExpiring?: (until: number, options: FindRecordsOptions) => Promise<FoundPage>;
  /** The store's search of unused keys, when it has one, checked as findExpiring. */
  readonly findUnused?: (before: number, options: FindRecordsOptions) => Promise<FoundPage>;

  constructor(store: KeyStore) {
    this.#store = store;
    const touchMany = store.touchMany;
    if (typeof touchMany === 'function') this.touchMany = (updates) => touchMany.call(store, updates);
    const { findExpiring, findUnused } = store;
    if (typeof findExpiring === 'function') {
      this.findExpiring = async (until, options) => foundPage(await findExpiring.call(store, until, options), options);
    }
    if (typeof findUnused === 'function') {
      this.findUnused = async (before, options) => foundPage(await findUnused.call(store, before, options), options);
    }
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return found(await this.#store.findById(id), id);
  }

  create(record: KeyRecord, options?: CreateRecordOptions): Promise<void> {
    return this.#store.create(record, options);
  }

  async update(id: string, patch: KeyRecordPatch, options?: UpdateRecordOptions): Promise<KeyRecord | null> {
    return found(await this.#store.update(id, patch, options), id);
  }

  async rotate(rotation: RecordRotation): Promise<KeyRecord | null> {
    return found(await this.#store.rotate(rotation), rotation.id);
  }

  async listByOwner(owner: string, options: ListRecordsOptions): Promise<RecordPage> {
    const page: unknown = await this.#store.listByOwner(owner, options);
    const { records, next } = (page ?? {}) as Partial<RecordPage>;
    if (!Array.isArray(records)) throw malformedStoreData('a page without an array of records');
    const checked = records.map((record: unknown) => checkRecord(record, { owner }));
    const { activeAt } = options;
    return {
      records: activeAt === undefined ? checked : checked.filter((record) => isActive(record, activeAt)),
      next: checkPosition(next),
    };
  }
}

// A search's page, checked as a listing's: every record, and the position.
function foundPage(page: unknown, { activeAt }: FindRecordsOptions): FoundPage {
  const { records, next } = (page ?? {}) as Partial<FoundPage>;
  if (!Array.isArray(records)) throw malformedStoreData('a page without an array of records');
  const checked = records.map((record: unknown) => checkRecord(record));
  let position: FoundPosition | null = null;
  if (next !== null) {
    const { at, id } = (next ?? {}) as Partial<FoundPosition>;
    if (!(at instanceof Date) || Number.isNaN(at.getTime()) || typeof id !== 'string') {
      throw malformedStoreData('a page position is not a valid Date and id');
    }
    position = { at, id };
  }
  return { records: checked.filter((record) => isActive(record, activeAt)), next: position };
}

function found(value: unknown, id: string): KeyRecord | null {
  return value === null ? null : checkRecord(value, { id });
}
