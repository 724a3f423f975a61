import { isKeygateError, KeygateError } from './errors.js';
import type { Hasher } from './hash.js';
import { generateKey } from './key-format.js';
import { type CreateKeyInput, checkExpiry, checkMetadata, checkScopes, checkText } from './key-input.js';
import { type ApiKey, type KeyRecord, toApiKey } from './record.js';
import type { KeyStore } from './store.js';

/** A freshly created key: `key` is the plaintext, shown to its owner once and never again. */
export interface CreatedKey {
  /** The plaintext key. keygate keeps only its hash: show it once, then drop it. */
  readonly key: string;
  /** The key's public metadata. */
  readonly apiKey: ApiKey;
}

/** What a {@link KeyManager} needs, resolved once by createKeygate. */
export interface KeyManagerConfig {
  readonly store: KeyStore;
  readonly prefix: string;
  readonly hasher: Hasher;
  readonly now: () => number;
  /** Called with a key id whenever that key changes, so caches drop it. */
  readonly invalidate: (id: string) => void;
}

const MAX_ID_ATTEMPTS = 3;

/** Creates, lists and revokes keys. Only hashes reach the store; plaintext leaves once, from `create`. */
export class KeyManager {
  readonly #config: KeyManagerConfig;

  constructor(config: KeyManagerConfig) {
    this.#config = config;
  }

  /** Creates a key and returns its plaintext, once. */
  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const { store, prefix, hasher, now } = this.#config;
    if (typeof input !== 'object' || input === null)
      throw new KeygateError('invalid_input', 'create() takes an object.');
    const at = now();
    const fields = {
      name: checkText('name', input.name, 128),
      owner: checkText('owner', input?.owner, 256),
      scopes: checkScopes(input.scopes),
      metadata: checkMetadata(input.metadata),
      expiresAt: checkExpiry(input, at),
    };
    for (let attempt = 1; ; attempt++) {
      const generated = generateKey(prefix);
      const record: KeyRecord = {
        id: generated.id,
        prefix,
        hash: await hasher.hash(generated.secret),
        ...fields,
        createdAt: new Date(at),
        revokedAt: null,
        lastUsedAt: null,
        rateLimits: null,
        allowedIps: null,
        replacedBy: null,
      };
      try {
        await store.create(record);
        return { key: generated.key, apiKey: toApiKey(record) };
      } catch (error) {
        // 71 random bits make an id collision all but impossible; retry rather than fail if one happens.
        if (!isKeygateError(error, 'conflict') || attempt >= MAX_ID_ATTEMPTS) throw error;
      }
    }
  }

  /** A key's public metadata, or null when the id is unknown. */
  async get(id: string): Promise<ApiKey | null> {
    const record = await this.#config.store.findById(id);
    return record ? toApiKey(record) : null;
  }

  /** The public metadata of every key of one owner, oldest first. Never includes hashes. */
  async list(owner: string): Promise<ApiKey[]> {
    const records = await this.#config.store.listByOwner(owner);
    return records.map(toApiKey);
  }

  /** Revokes a key for good and drops it from this instance's cache at once. Idempotent. */
  async revoke(id: string): Promise<ApiKey> {
    const { store, now, invalidate } = this.#config;
    const record = await store.findById(id);
    if (record === null) throw new KeygateError('not_found', 'No key with that id.');
    invalidate(id);
    if (record.revokedAt !== null) return toApiKey(record);
    const updated = await store.update(id, { revokedAt: new Date(now()) });
    invalidate(id);
    if (updated === null) throw new KeygateError('not_found', 'No key with that id.');
    return toApiKey(updated);
  }
}
