import { KeygateError } from './errors.js';
import type { KeyRecord, KeyRecordPatch } from './record.js';
import type { CreateRecordOptions, KeyStore } from './store.js';

/** An in-process {@link KeyStore}: for tests, demos and single-instance apps. Its data dies with the process. */
export class MemoryStore implements KeyStore {
  readonly #records = new Map<string, KeyRecord>();
  readonly #byOwner = new Map<string, Set<string>>();

  async findById(id: string): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    return record ? structuredClone(record) : null;
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    if (this.#records.has(record.id)) throw new KeygateError('conflict', 'A key with that id already exists.');
    const cap = options.maxActivePerOwner;
    if (cap !== undefined && this.#activeCount(record.owner, record.createdAt.getTime()) >= cap) {
      throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
    }
    this.#records.set(record.id, structuredClone(record));
    const ids = this.#byOwner.get(record.owner) ?? new Set<string>();
    ids.add(record.id);
    this.#byOwner.set(record.owner, ids);
  }

  async update(id: string, patch: KeyRecordPatch): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    if (!record) return null;
    // Fields given as undefined are not part of the patch.
    const defined = Object.entries(patch).filter(([, value]) => value !== undefined);
    const updated = { ...record, ...structuredClone(Object.fromEntries(defined)) };
    this.#records.set(id, updated);
    return structuredClone(updated);
  }

  #activeCount(owner: string, now: number): number {
    let count = 0;
    for (const id of this.#byOwner.get(owner) ?? []) {
      const r = this.#records.get(id) as KeyRecord;
      if (r.revokedAt === null && (r.expiresAt === null || r.expiresAt.getTime() > now)) count++;
    }
    return count;
  }

  async listByOwner(owner: string): Promise<KeyRecord[]> {
    const ids = this.#byOwner.get(owner) ?? new Set<string>();
    return [...ids]
      .map((id) => structuredClone(this.#records.get(id) as KeyRecord))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}
