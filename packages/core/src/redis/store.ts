import type { Cluster, Redis } from 'ioredis';
import { KeygateError } from '../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../record.js';
import type { CreateRecordOptions, KeyStore } from '../store.js';
import { guardOutage } from '../store-outage.js';
import { decodeRecord, encodePatch, encodeRecord } from './store-codec.js';
import { isRedisOutage } from './store-errors.js';
import { type StoreKeys, storeKeys } from './store-keys.js';
import { CREATE_SCRIPT, LIST_SCRIPT, runScript, UPDATE_SCRIPT } from './store-scripts.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client: a standalone `Redis` or a `Cluster`. The store never closes it. */
  client: Redis | Cluster;
  /** Prefix of every key the store writes, without `{` or `}`. Default `keygate:`. */
  keyPrefix?: string;
}

/**
 * A {@link KeyStore} on Redis or Redis Cluster (ioredis). Writes are Lua scripts confined to one
 * hash slot per owner, so the cap on active keys is atomic; see store-keys.ts for the key layout.
 * A Redis that cannot be reached or cannot serve now makes a call reject with KeygateError
 * `store_unavailable` (the ioredis error as `cause`); other errors are passed on as they are.
 */
export class RedisStore implements KeyStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StoreKeys;

  constructor(options: RedisStoreOptions) {
    const client = options?.client;
    if (!client || typeof client.evalsha !== 'function' || typeof client.get !== 'function') {
      throw new KeygateError('invalid_options', 'keygate: RedisStore needs `client`, an ioredis Redis or Cluster.');
    }
    this.#client = client;
    this.#keys = storeKeys(options.keyPrefix ?? 'keygate:');
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return guard(async () => {
      const owner = await this.#client.get(this.#keys.pointer(id));
      if (owner === null) return null;
      // A pointer without a record (a create in flight or one that died half-way) reads as no key.
      return decodeRecord(await this.#client.hgetall(this.#keys.record(owner, id)));
    });
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    return guard(async () => {
      const cap = options.maxActivePerOwner;
      if (cap !== undefined && (!Number.isInteger(cap) || cap < 0)) {
        throw new KeygateError('invalid_input', 'maxActivePerOwner must be a non-negative integer.');
      }
      const { id, owner } = record;
      const fields = encodeRecord(record);
      const pointer = this.#keys.pointer(id);
      if ((await this.#client.set(pointer, owner, 'NX')) === null) throw conflict();
      const keys = [this.#keys.record(owner, id), this.#keys.index(owner), this.#keys.recordBase(owner)];
      const args = [id, String(record.createdAt.getTime()), cap === undefined ? '' : String(cap), ...fields];
      // On an error here the pointer stays: the script may have run, and a pointer alone is harmless.
      const outcome = await runScript(this.#client, CREATE_SCRIPT, keys, args);
      if (outcome === 'ok') return;
      // 'conflict': a record with this id already sits in the owner's slot (its pointer was lost);
      // the pointer just written now leads to it again, so it stays.
      if (outcome === 'conflict') throw conflict();
      if (outcome === 'limit') {
        // Free the id again; should that fail, the orphan pointer only keeps the id reserved.
        await this.#client.del(pointer).catch(() => undefined);
        throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
      }
      throw new KeygateError('store_unavailable', 'The Redis key store gave an unexpected reply.');
    });
  }

  async update(id: string, patch: KeyRecordPatch): Promise<KeyRecord | null> {
    return guard(async () => {
      const owner = await this.#client.get(this.#keys.pointer(id));
      if (owner === null) return null;
      const { set, clear } = encodePatch(patch ?? {});
      const args = [String(set.length / 2), ...set, ...clear];
      const reply = await runScript(this.#client, UPDATE_SCRIPT, [this.#keys.record(owner, id)], args);
      return Array.isArray(reply) ? decodeRecord(reply as string[]) : null;
    });
  }

  async listByOwner(owner: string): Promise<KeyRecord[]> {
    return guard(async () => {
      const keys = [this.#keys.index(owner), this.#keys.recordBase(owner)];
      const reply = (await runScript(this.#client, LIST_SCRIPT, keys, [])) as string[][];
      return reply.map(decodeRecord).filter((record): record is KeyRecord => record !== null);
    });
  }
}

// One store operation: an outage rejects as `store_unavailable`.
function guard<T>(operation: () => Promise<T>): Promise<T> {
  return guardOutage(operation, isRedisOutage, 'Redis');
}

function conflict(): KeygateError {
  return new KeygateError('conflict', 'A key with that id already exists.');
}
