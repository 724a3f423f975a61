import type { Cluster, Redis } from 'ioredis';
import { KeygateError } from '../../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../../key/record.js';
import { type OptionChecks, optionChecks, optionNames } from '../../options.js';
import { guardOutage, type OutageGuard, resolveStoreTimeout } from '../outage.js';
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
} from '../store.js';
import { decodeRecord, encodeDate, encodeRecord, encodeVersion, isHashReply } from './codec.js';
import { RedisCredits } from './credits.js';
import { isRedisOutage } from './errors.js';
import { expiringSearch, findPage, syncFoundIndexes, touchFoundIndex, unusedSearch } from './find.js';
import { type StoreKeys, storeKeys } from './keys.js';
import { decodeListReply, LIST_SCAN_SLACK, LIST_SCRIPT } from './list-script.js';
import { patchArgs } from './lua.js';
import { CREATE_SCRIPT, ROTATE_SCRIPT, runScript, TOUCH_SCRIPT, UPDATE_SCRIPT } from './scripts.js';
/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client: a standalone `Redis` or a `Cluster`. The store never closes it. */
  client: Redis | Cluster;
  /** Prefix of every key the store writes, without `{` or `}`. Default `keygate:`. */
  keyPrefix?: string;
  /**
   * The most one call may take, in milliseconds, whatever the client's own settings (retries,
   * offline queue, timeouts): past it the call rejects with `store_unavailable`. Default 1000.
   */
  timeoutMs?: number;
}

const check: OptionChecks = optionChecks('RedisStore');
const OPTION_NAMES = optionNames<RedisStoreOptions>({ client: true, keyPrefix: true, timeoutMs: true });

/**
 * A {@link KeyStore} on Redis or Redis Cluster (ioredis). Writes are Lua scripts confined to one
 * hash slot per owner, so the cap on active keys, conditional updates, rotations and credit spends are atomic;
 * see stores/redis/keys.ts for the key layout. Revoked keys cost nothing to the cap check and to listing
 * active keys, and a page examines a bounded number of expired ones.
 * A Redis that cannot be reached or cannot serve now, or a call not answered within `timeoutMs`,
 * makes the call reject with KeygateError `store_unavailable` (the ioredis error as `cause`); other
 * errors are passed on as they are. Commands cannot be taken back: one sent before the deadline
 * still runs when Redis answers again, but a call that timed out sends no further command.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisStore } from '@keygate/core/redis';
 *
 * const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
 * const keygate = createKeygate({ store: new RedisStore({ client: redis }), prefix: 'sk_live' });
 * ```
 */
export class RedisStore extends RedisCredits implements KeyStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StoreKeys;
  readonly #prefix: string;
  readonly #guard: OutageGuard;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: RedisStoreOptions) {
    const { client } = check.object<RedisStoreOptions>(undefined, options, OPTION_NAMES);
    if (!client || typeof client.evalsha !== 'function' || typeof client.get !== 'function') {
      check.fail('`client` must be an ioredis Redis or Cluster.', 'client');
    }
    const prefix = check.redisKeyPrefix('keyPrefix', options.keyPrefix, 'keygate:');
    const timeoutMs = resolveStoreTimeout(options.timeoutMs, check);
    const guard: OutageGuard = { storeName: 'Redis', isOutage: isRedisOutage, timeoutMs };
    const keys = storeKeys(prefix);
    super(client, keys, guard);
    this.#client = client;
    this.#prefix = prefix;
    this.#keys = keys;
    this.#guard = guard;
  }

  async findById(id: string): Promise<KeyRecord | null> {
    return guardOutage(async (deadline) => {
      const owner = await this.#client.get(this.#keys.pointer(id));
      if (owner === null) return null;
      deadline.throwIfAborted();
      // A pointer without a record (a create in flight or one that died half-way) reads as no key.
      return decodeRecord(await this.#client.hgetall(this.#keys.record(owner, id)));
    }, this.#guard);
  }

  async create(record: KeyRecord, options: CreateRecordOptions = {}): Promise<void> {
    return guardOutage(async (deadline) => {
      const cap = capArg(options.maxActivePerOwner);
      const { id, owner } = record;
      const fields = encodeRecord(record);
      const pointer = this.#keys.pointer(id);
      if ((await this.#client.set(pointer, owner, 'NX')) === null) throw taken();
      // Timed out: the pointer stays (harmless, see below), and nothing is written.
      deadline.throwIfAborted();
      const keys = [this.#keys.record(owner, id), ...this.#indexes(owner)];
      const args = [id, encodeDate(record.createdAt), cap, ...fields];
      // On an error here the pointer stays: the script may have run, and a pointer alone is harmless.
      const outcome = await runScript(this.#client, CREATE_SCRIPT, keys, args);
      if (outcome === 'ok') return syncFoundIndexes(this.#client, this.#prefix, record);
      // 'taken': a record with this id already sits in the owner's slot (its pointer was lost);
      // the pointer just written now leads to it again, so it stays.
      if (outcome === 'taken') throw taken();
      if (outcome === 'limit') {
        await this.#release(pointer);
        throw limitExceeded(cap);
      }
      throw unexpectedReply();
    }, this.#guard);
  }

  async update(id: string, patch: KeyRecordPatch, options: UpdateRecordOptions = {}): Promise<KeyRecord | null> {
    return guardOutage(async (deadline) => {
      const ifVersion = options.ifVersion === undefined ? '' : encodeVersion(options.ifVersion);
      const changes = patchArgs(patch ?? {});
      const owner = await this.#client.get(this.#keys.pointer(id));
      if (owner === null) return null;
      deadline.throwIfAborted();
      const keys = [this.#keys.record(owner, id), ...this.#indexes(owner)];
      const reply = await runScript(this.#client, UPDATE_SCRIPT, keys, [id, ifVersion, ...changes]);
      if (reply === null) return null;
      if (reply === 'changed') throw changed();
      const updated = recordReply(reply);
      await syncFoundIndexes(this.#client, this.#prefix, updated);
      return updated;
    }, this.#guard);
  }

  async rotate({ id, ifVersion, patch, replacement, maxActivePerOwner }: RecordRotation): Promise<KeyRecord | null> {
    return guardOutage(async (deadline) => {
      const cap = capArg(maxActivePerOwner);
      const version = encodeVersion(ifVersion);
      const fields = encodeRecord(replacement);
      const changes = patchArgs(patch ?? {});
      const owner = await this.#client.get(this.#keys.pointer(id));
      if (owner === null) return null;
      if (replacement.owner !== owner) {
        throw new KeygateError('invalid_input', 'A replacement key must have the owner of the key it replaces.');
      }
      deadline.throwIfAborted();
      const pointer = this.#keys.pointer(replacement.id);
      if ((await this.#client.set(pointer, owner, 'NX')) === null) throw taken();
      deadline.throwIfAborted();
      const keys = [this.#keys.record(owner, id), this.#keys.record(owner, replacement.id), ...this.#indexes(owner)];
      const createdAt = encodeDate(replacement.createdAt);
      const args = [id, version, replacement.id, createdAt, cap, String(fields.length), ...fields, ...changes];
      // On an error here the pointer stays, as in create.
      const reply = await runScript(this.#client, ROTATE_SCRIPT, keys, args);
      if (Array.isArray(reply)) {
        const replaced = recordReply(reply);
        await syncFoundIndexes(this.#client, this.#prefix, replacement);
        await syncFoundIndexes(this.#client, this.#prefix, replaced);
        return replaced;
      }
      // 'taken': as in create, the pointer now leads to the record already in the owner's slot.
      if (reply === 'taken') throw taken();
      if (reply !== null && reply !== 'changed' && reply !== 'limit') throw unexpectedReply();
      // Refused, nothing written: free the replacement's id again.
      await this.#release(pointer);
      if (reply === 'changed') throw changed();
      if (reply === 'limit') throw limitExceeded(cap);
      return null;
    }, this.#guard);
  }

  async listByOwner(owner: string, { limit, after, activeAt }: ListRecordsOptions): Promise<RecordPage> {
    return guardOutage(async () => {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new KeygateError('invalid_input', 'limit must be a positive integer.');
      }
      if (activeAt !== undefined && !Number.isFinite(activeAt)) {
        throw new KeygateError('invalid_input', 'activeAt must be a finite number.');
      }
      // Active keys are found among the live ones, so revoked keys are never examined.
      const index = activeAt === undefined ? this.#keys.index(owner) : this.#keys.live(owner);
      const keys = [index, this.#keys.expiring(owner), this.#keys.recordBase(owner)];
      const args = [
        String(limit),
        String(limit + LIST_SCAN_SLACK),
        after === undefined ? '' : encodeDate(after.createdAt),
        after === undefined ? '' : after.id,
        activeAt === undefined ? '' : String(activeAt),
      ];
      const page = decodeListReply(await runScript(this.#client, LIST_SCRIPT, keys, args));
      if (page === undefined) throw unexpectedReply();
      return page;
    }, this.#guard);
  }

  // The owner's indexes, in the order the scripts take them: every id, live, expiring.
  #indexes(owner: string): string[] {
    return [this.#keys.index(owner), this.#keys.live(owner), this.#keys.expiring(owner)];
  }

  // Frees the id of a key a script refused; should that fail, the orphan pointer only keeps the id reserved.
  /** Last-used times in one script per owner (each owner's keys share a hash slot), all sent at once. */
  async touchMany(updates: readonly LastUsedUpdate[]): Promise<void> {
    const byOwner = new Map<string, LastUsedUpdate[]>();
    for (const update of updates) byOwner.set(update.owner, [...(byOwner.get(update.owner) ?? []), update]);
    return guardOutage(async () => {
      await Promise.all(
        [...byOwner].map(([owner, own]) =>
          runScript(
            this.#client,
            TOUCH_SCRIPT,
            own.map(({ id }) => this.#keys.record(owner, id)),
            own.map(({ lastUsedAt }) => encodeDate(lastUsedAt)),
          ),
        ),
      );
      await touchFoundIndex(this.#client, this.#prefix, updates);
    }, this.#guard);
  }

  /** Reads the store's expiry index (see stores/redis/find.ts), one bounded page at a time. */
  async findExpiring(until: number, options: FindRecordsOptions): Promise<FoundPage> {
    return guardOutage(
      () => findPage(this.#client, this.#prefix, expiringSearch(this.#prefix, until, options.activeAt), options),
      this.#guard,
    );
  }

  /** Reads the store's last-use index (see stores/redis/find.ts), one bounded page at a time. */
  async findUnused(before: number, options: FindRecordsOptions): Promise<FoundPage> {
    return guardOutage(
      () => findPage(this.#client, this.#prefix, unusedSearch(this.#prefix, before), options),
      this.#guard,
    );
  }

  async #release(pointer: string): Promise<void> {
    await this.#client.del(pointer).catch(() => undefined);
  }
}

// A cap as a script argument ('' for none); throws `invalid_input` unless a non-negative integer.
function capArg(cap: number | undefined): string {
  if (cap === undefined) return '';
  if (!Number.isSafeInteger(cap) || cap < 0) {
    throw new KeygateError('invalid_input', 'maxActivePerOwner must be a non-negative integer.');
  }
  return String(cap);
}

// The record in a script's HGETALL reply; a reply that is not one means Redis misbehaved.
function recordReply(reply: unknown): KeyRecord {
  const record = isHashReply(reply) ? decodeRecord(reply) : null;
  if (record === null) throw unexpectedReply();
  return record;
}

function taken(): KeygateError {
  return new KeygateError('conflict', 'A key with that id already exists.');
}

function changed(): KeygateError {
  return new KeygateError('conflict', 'The key changed meanwhile; read it again and retry.');
}

function limitExceeded(cap: string): KeygateError {
  return new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
}

function unexpectedReply(): KeygateError {
  return new KeygateError('store_unavailable', 'The Redis key store gave an unexpected reply.');
}
