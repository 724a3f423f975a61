import { KeygateError } from './errors.js';
import { type AuditListener, guardListener, NO_REQUEST, type RequestContext } from './events.js';
import type { Hasher } from './hash.js';
import { type CreateKeyInput, checkText, type UpdateKeyInput } from './key-input.js';
import { checkCreate, checkUpdate } from './key-update.js';
import { assertChangeable, KeyLocks, lifecycleEvent, rotationPatch } from './manager-support.js';
import { type CreatedKey, mintKey, type RotatedKey } from './mint.js';
import { type ApiKey, type KeyRecord, type KeyRecordPatch, toApiKey } from './record.js';
import type { KeyStore } from './store.js';

export type { CreatedKey, RotatedKey } from './mint.js';

/** Options of {@link KeyManager.rotate}. */
export interface RotateOptions {
  /** How long the old key keeps working, in ms (never past its own expiry). `0` revokes it at once. Default 0. */
  gracePeriodMs?: number;
}

/** What a {@link KeyManager} needs, resolved once by createKeygate. */
export interface KeyManagerConfig {
  readonly store: KeyStore;
  readonly prefix: string;
  readonly hasher: Hasher;
  readonly now: () => number;
  /** Called with a key id whenever that key changes, so caches (here and, through a bus, elsewhere) drop it. */
  readonly invalidate: (id: string) => void;
  /** Receives `created`, `updated`, `revoked` and `rotated` events; a throw is caught and logged. Default: none. */
  readonly emit?: AuditListener;
  /** Most active (neither revoked nor expired) keys one owner may hold; checked by `create`, not `rotate`. Default: no cap. */
  readonly maxKeysPerOwner?: number | undefined;
}

const ID_RE = /^[0-9A-Za-z]{12}$/;
// Ten years: longer is no grace period, and it keeps every computed instant a valid Date.
const MAX_GRACE_MS = 10 * 366 * 86_400_000;

/**
 * The key lifecycle: create, read, update, rotate, revoke. Only hashes reach the store; plaintext
 * leaves once, from `create` and `rotate`. Changes to one key are serialised on this instance.
 */
export class KeyManager {
  readonly #config: KeyManagerConfig;
  readonly #emit: AuditListener;
  readonly #locks = new KeyLocks();

  constructor(config: KeyManagerConfig) {
    this.#config = config;
    this.#emit = guardListener(config.emit);
  }

  /** Creates a key and returns its plaintext, once. Throws `limit_exceeded` when the owner is at `maxKeysPerOwner`. */
  async create(input: CreateKeyInput, context: RequestContext = NO_REQUEST): Promise<CreatedKey> {
    const at = this.#config.now();
    const fields = checkCreate(input, at);
    const created = await mintKey(this.#config, fields, at, this.#config.maxKeysPerOwner);
    this.#emit(lifecycleEvent('created', created.apiKey, at, context));
    return created;
  }

  /** A key's public metadata, or null when the id is unknown. */
  async get(id: string): Promise<ApiKey | null> {
    if (typeof id !== 'string' || !ID_RE.test(id)) return null;
    const record = await this.#config.store.findById(id);
    return record ? toApiKey(record) : null;
  }

  /** The public metadata of every key of one owner, oldest first. Never includes hashes. */
  async list(owner: string): Promise<ApiKey[]> {
    const records = await this.#config.store.listByOwner(checkText('owner', owner, 256));
    return records.map(toApiKey);
  }

  /**
   * Changes a key's name, scopes, metadata, expiry, rate limits or IP allowlist. Refuses
   * (`invalid_input`) a revoked key or one replaced by rotation; `not_found` for an unknown id.
   */
  async update(id: string, input: UpdateKeyInput, context: RequestContext = NO_REQUEST): Promise<ApiKey> {
    return this.#locks.run(id, async () => {
      const at = this.#config.now();
      const patch = checkUpdate(input, at);
      const record = await this.#find(id);
      assertChangeable(record, 'update');
      if (Object.keys(patch).length === 0) return toApiKey(record);
      const updated = await this.#write(id, patch);
      this.#emit(lifecycleEvent('updated', updated, at, context));
      return toApiKey(updated);
    });
  }

  /** Revokes a key for good and drops it from caches at once. Idempotent: revoking twice is no error (and no event). */
  async revoke(id: string, context: RequestContext = NO_REQUEST): Promise<ApiKey> {
    const { now, invalidate } = this.#config;
    return this.#locks.run(id, async () => {
      const record = await this.#find(id);
      invalidate(id);
      if (record.revokedAt !== null) return toApiKey(record);
      const at = now();
      const updated = await this.#write(id, { revokedAt: new Date(at) });
      this.#emit(lifecycleEvent('revoked', updated, at, context));
      return toApiKey(updated);
    });
  }

  /**
   * Replaces a key: mints a new one with the same name, owner, scopes, metadata, limits and expiry
   * (not counted against `maxKeysPerOwner`), and marks the old one `replacedBy` the new id. The old
   * key keeps working until `now + gracePeriodMs` (or its own earlier expiry); a grace of 0 revokes
   * it at once. Refuses (`invalid_input`) a revoked, expired or already rotated key. Emits `created`
   * for the new key, then `rotated` for the old one. Returns the new plaintext, once.
   */
  async rotate(id: string, options: RotateOptions = {}, context: RequestContext = NO_REQUEST): Promise<RotatedKey> {
    const grace = options?.gracePeriodMs ?? 0;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_MS) {
      throw new KeygateError('invalid_input', `gracePeriodMs must be an integer from 0 to ${MAX_GRACE_MS} ms.`, {
        field: 'gracePeriodMs',
      });
    }
    return this.#locks.run(id, async () => {
      const record = await this.#find(id);
      const at = this.#config.now();
      assertChangeable(record, 'rotate');
      if (record.expiresAt !== null && record.expiresAt.getTime() <= at) {
        throw new KeygateError('invalid_input', 'The key has expired: create a new one instead.');
      }
      const { name, owner, scopes, metadata, expiresAt, rateLimits, allowedIps } = record;
      const fields = { name, owner, scopes, metadata, expiresAt, rateLimits, allowedIps };
      const created = await mintKey(this.#config, fields, at, undefined);
      const replacedBy = created.apiKey.id;
      const patch = rotationPatch(record, replacedBy, at, grace);
      let previous: KeyRecord;
      try {
        previous = await this.#write(id, patch);
      } catch (error) {
        // The old key could not be marked: withdraw the new one (nobody has seen its plaintext).
        await this.#config.store.update(replacedBy, { revokedAt: new Date(at) }).catch(() => undefined);
        throw error;
      }
      this.#emit(lifecycleEvent('created', created.apiKey, at, context));
      this.#emit(lifecycleEvent('rotated', previous, at, context, replacedBy));
      return { ...created, previous: toApiKey(previous) };
    });
  }

  async #find(id: string): Promise<KeyRecord> {
    const record = typeof id === 'string' && ID_RE.test(id) ? await this.#config.store.findById(id) : null;
    if (record === null) throw new KeygateError('not_found', 'No key with that id.');
    return record;
  }

  // Writes a patch, dropping the key from caches before (so this instance stops serving the old
  // state at once) and after (so a verification that read the old record cannot cache it).
  async #write(id: string, patch: KeyRecordPatch): Promise<KeyRecord> {
    const { store, invalidate } = this.#config;
    invalidate(id);
    const updated = await store.update(id, patch);
    invalidate(id);
    if (updated === null) throw new KeygateError('not_found', 'No key with that id.');
    return updated;
  }
}
