import { KeygateError } from '../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../key/record.js';
import { isActive } from '../key/state.js';
import { MemoryCredits } from './memory-credits.js';
import type {
  CreateRecordOptions,
  FindRecordsOptions,
  FoundPage,
  KeyStore,
  LastUsedUpdate,
  ListRecordsOptions,
  RecordPage,
  RecordRotation,
  UpdateRecordOptions,
} from './store.js';

/**
 * An in-process {@link KeyStore} (with credit allowances, see CreditStore): for tests, demos and
 * single-instance apps. Its data dies with the process.
 * Instances of an app that run in several processes need a shared store (`RedisStore`, `PostgresStore`).
 *
 * @example
 * ```ts
 * import { createKeygate, MemoryStore } from '@keygate/core';
 *
 * const keygate = createKeygate({ store: new MemoryStore() });
 * ```
 */
export class MemoryStore extends MemoryCredits implements KeyStore {
  readonly #records = new Map<string, KeyRecord>();
  readonly #byOwner = new Map<string, Set<string>>();

  async findById(id: string): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    return record ? structuredClone(record) : null;
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    this.#assertInsertable(record, options.maxActivePerOwner, undefined);
    this.#insert(record);
  }

  async update(id: string, patch: KeyRecordPatch, options: UpdateRecordOptions = {}): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    if (!record) return null;
    assertVersion(record, options.ifVersion);
    return structuredClone(this.#apply(record, patch));
  }

  async rotate({ id, ifVersion, patch, replacement, maxActivePerOwner }: RecordRotation): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    if (!record) return null;
    assertVersion(record, ifVersion);
    this.#assertInsertable(replacement, maxActivePerOwner, id);
    this.#insert(replacement);
    return structuredClone(this.#apply(record, patch));
  }

  async touchMany(updates: readonly LastUsedUpdate[]): Promise<void> {
    for (const { id, lastUsedAt } of updates) {
      const record = this.#records.get(id);
      if (record !== undefined && (record.lastUsedAt === null || record.lastUsedAt < lastUsedAt)) {
        record.lastUsedAt = new Date(lastUsedAt.getTime());
      }
    }
  }

  async listByOwner(owner: string, { limit, after, activeAt }: ListRecordsOptions): Promise<RecordPage> {
    const all = [...(this.#byOwner.get(owner) ?? [])]
      .map((id) => this.#records.get(id) as KeyRecord)
      .filter((r) => activeAt === undefined || isActive(r, activeAt))
      .sort(byPosition)
      .filter((r) => after === undefined || byPosition(r, after) > 0);
    const records = all.slice(0, limit).map((r) => structuredClone(r));
    const last = records.at(-1);
    return { records, next: all.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  /** Scans every record: this store is for tests, demos and small single-instance apps. */
  async findExpiring(until: number, options: FindRecordsOptions): Promise<FoundPage> {
    return this.#find(options, (r) => (r.expiresAt !== null && r.expiresAt.getTime() <= until ? r.expiresAt : null));
  }

  /** Scans every record, as findExpiring. */
  async findUnused(before: number, options: FindRecordsOptions): Promise<FoundPage> {
    return this.#find(options, (r) => {
      const last = r.lastUsedAt ?? r.createdAt;
      return last.getTime() < before ? last : null;
    });
  }

  // The active records for which `instantOf` gives an instant, ordered by it then id, after `after`.
  #find({ limit, after, activeAt }: FindRecordsOptions, instantOf: (r: KeyRecord) => Date | null): FoundPage {
    const found: { at: Date; record: KeyRecord }[] = [];
    for (const record of this.#records.values()) {
      const at = isActive(record, activeAt) ? instantOf(record) : null;
      if (
        at !== null &&
        (after === undefined || byPosition({ createdAt: at, id: record.id }, { createdAt: after.at, id: after.id }) > 0)
      ) {
        found.push({ at, record });
      }
    }
    found.sort((a, b) => byPosition({ createdAt: a.at, id: a.record.id }, { createdAt: b.at, id: b.record.id }));
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map(({ record }) => structuredClone(record)),
      next: found.length > limit && last ? { at: new Date(last.at.getTime()), id: last.record.id } : null,
    };
  }

  // Refuses a duplicate id, or a key over the owner's cap (active keys other than `except`).
  #assertInsertable(record: KeyRecord, cap: number | undefined, except: string | undefined): void {
    if (this.#records.has(record.id)) throw new KeygateError('conflict', 'A key with that id already exists.');
    if (cap === undefined) return;
    let active = 0;
    for (const id of this.#byOwner.get(record.owner) ?? []) {
      if (id !== except && isActive(this.#records.get(id) as KeyRecord, record.createdAt.getTime())) active++;
    }
    if (active >= cap) throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
  }

  #insert(record: KeyRecord): void {
    this.#records.set(record.id, structuredClone(record));
    const ids = this.#byOwner.get(record.owner) ?? new Set<string>();
    ids.add(record.id);
    this.#byOwner.set(record.owner, ids);
  }

  #apply(record: KeyRecord, patch: KeyRecordPatch): KeyRecord {
    // Fields given as undefined are not part of the patch.
    const defined = Object.entries(patch).filter(([, value]) => value !== undefined);
    const updated = { ...record, ...structuredClone(Object.fromEntries(defined)) };
    this.#records.set(record.id, updated);
    return updated;
  }
}

function assertVersion(record: KeyRecord, ifVersion: number | undefined): void {
  if (ifVersion !== undefined && record.version !== ifVersion) {
    throw new KeygateError('conflict', 'The key changed meanwhile; read it again and retry.');
  }
}

function byPosition(a: Pick<KeyRecord, 'createdAt' | 'id'>, b: Pick<KeyRecord, 'createdAt' | 'id'>): number {
  const time = a.createdAt.getTime() - b.createdAt.getTime();
  if (time !== 0) return time;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
