import { KeygateError } from '../errors.js';
import { type AuditListener, guardListener, type RequestContext } from '../events.js';
import type { Hasher } from '../hashing/hasher.js';
import type { KdfLimiter } from '../hashing/kdf-limiter.js';
import { isKeyId } from '../key/format.js';
import type { ApiKey, KeyRecord, KeyRecordPatch } from '../key/record.js';
import { type EnvironmentMap, toApiKey } from '../key/view.js';
import type { KeyStore } from '../stores/store.js';
import {
  assertPolicyExpiry,
  type ExpiryPolicy,
  NO_EXPIRY_POLICY,
  policyExpiryForCreate,
  policyExpiryForRotation,
} from './expiry-policy.js';
import { checkSpan, type FindKeysOptions, findKeys } from './find.js';
import { type CreateKeyInput, checkText, type UpdateKeyInput } from './input.js';
import {
  type Actor,
  assertChangeable,
  assertNoSelfRestrictionChange,
  assertVersion,
  assertWithinActor,
  KeyLocks,
  lifecycleEvent,
  rotationPatch,
  withinActor,
} from './manager-support.js';
import { type CreatedKey, mintKey, mintRecord, type RotatedKey } from './mint.js';
import { checkListOptions, encodeCursor, type KeyPage, type ListKeysOptions } from './page.js';
import { checkCreate, checkUpdate } from './update.js';

export type { FindKeysOptions } from './find.js';
export type { Actor } from './manager-support.js';
export type { CreatedKey, RotatedKey } from './mint.js';

/** Options of the KeyManager calls that may act on a key's behalf. */
export interface ActorOptions {
  /** The key acting (e.g. a management route's caller): the call is bounded by its powers. Default: none, the application acts. */
  actor?: Actor | undefined;
}

/** Options of {@link KeyManager.create}. */
export interface CreateOptions extends ActorOptions {
  /** Where the change came from, for audit events. Default: no request. */
  context?: RequestContext | undefined;
}

/** Options of the calls that change an existing key. */
export interface ChangeOptions extends CreateOptions {
  /** Change the key only while its `version` is this one (e.g. as shown to a user); else `conflict`. Default: any. */
  ifVersion?: number | undefined;
}

/** Options of {@link KeyManager.rotate}. */
export interface RotateOptions extends ChangeOptions {
  /** How long the old key keeps working, in ms (never past its own expiry). `0` revokes it at once. Default 0. */
  gracePeriodMs?: number;
}

/** Options of {@link KeyManager.list}. */
export interface ListOptions extends ListKeysOptions, ActorOptions {}

/** What a {@link KeyManager} needs, resolved once by createKeygate. */
export interface KeyManagerConfig {
  readonly store: KeyStore;
  readonly prefix: string;
  readonly hasher: Hasher;
  /** Every hash (of a new or rotated key) waits its turn here, as the request's client's. */
  readonly kdf: KdfLimiter;
  readonly now: () => number;
  /** Called with a key id whenever that key changes, so caches (here and, through a bus, elsewhere) drop it. */
  readonly invalidate: (id: string) => void;
  /** Receives `created`, `updated`, `disabled`, `enabled`, `revoked` and `rotated` events; a throw is caught and logged. Default: none. */
  readonly emit?: AuditListener;
  /** Most active keys one owner may hold (a rotation with a grace period may pass it by one). Default: no cap. */
  readonly maxKeysPerOwner?: number | undefined;
  /** Longest grace period a rotation may give the old key, in ms. */
  readonly maxGracePeriodMs: number;
  /** The key lifetime policy applied to create, update and rotate. Default: none. */
  readonly expiry?: ExpiryPolicy | undefined;
  /** Prefixes mapped to environments (the `environments` option). Default: none. */
  readonly environments?: EnvironmentMap | undefined;
}

/**
 * The key lifecycle: create, read, list, update, disable, enable, rotate, revoke. Only hashes reach the store;
 * plaintext leaves once, from `create` and `rotate`. Every change is a conditional write on the
 * key's version, so two instances changing one key at once never both succeed (the loser gets
 * `conflict`). With `actor`, a call is bounded by the delegation rule (see exceedingPower): keys
 * more powerful than the actor read as unknown, and nothing more powerful can be made.
 */
export class KeyManager {
  readonly #config: KeyManagerConfig;
  readonly #emit: AuditListener;
  readonly #locks = new KeyLocks();
  // The public view of a record, with the environment of its prefix.
  readonly #view = (record: KeyRecord): ApiKey => toApiKey(record, this.#config.environments);

  constructor(config: KeyManagerConfig) {
    this.#config = config;
    this.#emit = guardListener(config.emit);
  }

  /** Longest grace period {@link rotate} accepts, in ms. */
  get maxGracePeriodMs(): number {
    return this.#config.maxGracePeriodMs;
  }

  /**
   * Creates a key and returns its plaintext, once. Throws `limit_exceeded` when the owner is at
   * `maxKeysPerOwner`, `forbidden` (naming the field) when it would be more powerful than the actor.
   */
  async create(input: CreateKeyInput, options: CreateOptions = {}): Promise<CreatedKey> {
    const at = this.#config.now();
    const fields = checkCreate(input, at);
    fields.expiresAt = policyExpiryForCreate(this.#config.expiry ?? NO_EXPIRY_POLICY, fields.expiresAt, at);
    // A key acting in an environment creates keys of its own environment unless told otherwise.
    const environment = input.environment ?? options.actor?.key.environment ?? undefined;
    const prefix = this.#prefixFor(environment);
    assertWithinActor(options.actor, { ...fields, environment: this.#config.environments?.get(prefix) ?? null });
    await this.#assertRoom(fields.owner, at, undefined);
    const client = options.context?.ip ?? undefined;
    const config = prefix === this.#config.prefix ? this.#config : { ...this.#config, prefix };
    const created = await mintKey(config, fields, at, this.#config.maxKeysPerOwner, client);
    this.#emit(lifecycleEvent('created', created.apiKey, at, options.context));
    return created;
  }

  /** A key's public metadata, or null when the id is unknown (or the key is more powerful than the actor). */
  async get(id: string, options: ActorOptions = {}): Promise<ApiKey | null> {
    if (!isKeyId(id)) return null;
    const record = await this.#config.store.findById(id);
    const view = record && this.#view(record);
    return view && withinActor(options.actor, view) ? view : null;
  }

  /**
   * One page of an owner's keys, oldest first: `active` ones by default, or `all`. With `actor`,
   * only the keys it could manage. Never includes hashes.
   */
  async list(owner: string, options: ListOptions = {}): Promise<KeyPage> {
    checkText('owner', owner, 256);
    const { limit, after, state } = checkListOptions(options);
    const activeAt = state === 'active' ? this.#config.now() : undefined;
    const page = await this.#config.store.listByOwner(owner, { limit, after, activeAt });
    const keys = page.records.map(this.#view).filter((key) => withinActor(options.actor, key));
    return { keys, nextCursor: encodeCursor(page.next) };
  }

  /**
   * Changes a key's name, scopes, metadata, expiry, rate limits or IP allowlist. `not_found` for
   * an unknown id; `conflict` for a revoked, rotated or expired key or a lost race; `forbidden`
   * when an actor would exceed itself or change its own restrictions.
   */
  async update(id: string, input: UpdateKeyInput, options: ChangeOptions = {}): Promise<ApiKey> {
    return this.#locks.run(id, async () => {
      const at = this.#config.now();
      const patch = checkUpdate(input, at);
      if (patch.expiresAt !== undefined) {
        assertPolicyExpiry(this.#config.expiry ?? NO_EXPIRY_POLICY, patch.expiresAt, at);
      }
      const record = await this.#find(id, options);
      assertChangeable(record, at);
      assertNoSelfRestrictionChange(options.actor, id, patch);
      assertWithinActor(options.actor, { ...this.#view(record), ...patch });
      if (Object.keys(patch).length === 0) return this.#view(record);
      const updated = await this.#write(record, { ...patch, version: record.version + 1 });
      this.#emit(lifecycleEvent('updated', updated, at, options.context));
      return this.#view(updated);
    });
  }

  /**
   * Revokes a key for good and drops it from caches at once. Idempotent: revoking twice is no
   * error (and no event). `conflict` when it lost a race with another change of the key.
   */
  async revoke(id: string, options: ChangeOptions = {}): Promise<ApiKey> {
    return this.#locks.run(id, async () => {
      const record = await this.#find(id, options);
      this.#config.invalidate(id);
      if (record.revokedAt !== null) return this.#view(record);
      const at = this.#config.now();
      const updated = await this.#write(record, { revokedAt: new Date(at), version: record.version + 1 });
      this.#emit(lifecycleEvent('revoked', updated, at, options.context));
      return this.#view(updated);
    });
  }

  /**
   * Disables a key: it stops authenticating at once (verification answers `disabled`), on this
   * instance and, through the `invalidation` bus, on every other one, until {@link enable}. Unlike
   * a revocation it can be undone. A disabled key still counts as active against
   * `maxKeysPerOwner`, so disabling and enabling cannot get round the cap. A key acting for itself
   * may disable itself. Idempotent: disabling twice is no error (and no event). `not_found` for an
   * unknown id (or a key more powerful than the actor); `conflict` for a revoked, rotated or
   * expired key or a lost race. Emits `disabled`.
   */
  async disable(id: string, options: ChangeOptions = {}): Promise<ApiKey> {
    return this.#locks.run(id, async () => {
      const record = await this.#find(id, options);
      this.#config.invalidate(id);
      if (record.disabledAt !== null) return this.#view(record);
      const at = this.#config.now();
      assertChangeable(record, at);
      const updated = await this.#write(record, { disabledAt: new Date(at), version: record.version + 1 });
      this.#emit(lifecycleEvent('disabled', updated, at, options.context));
      return this.#view(updated);
    });
  }

  /**
   * Enables a disabled key again: it authenticates from now on. Idempotent: enabling a key that is
   * not disabled is no error (and no event). `not_found` for an unknown id (or a key more powerful
   * than the actor); `forbidden` when the actor is the disabled key itself; `conflict` for a
   * revoked, rotated or expired key or a lost race. Emits `enabled`.
   */
  async enable(id: string, options: ChangeOptions = {}): Promise<ApiKey> {
    return this.#locks.run(id, async () => {
      const record = await this.#find(id, options);
      if (record.disabledAt === null) return this.#view(record);
      if (options.actor?.key.id === id) {
        throw new KeygateError('forbidden', 'A disabled key cannot enable itself.');
      }
      const at = this.#config.now();
      assertChangeable(record, at);
      const updated = await this.#write(record, { disabledAt: null, version: record.version + 1 });
      this.#emit(lifecycleEvent('enabled', updated, at, options.context));
      return this.#view(updated);
    });
  }

  /**
   * Replaces a key: mints a new one with the same name, owner, scopes, metadata, limits, expiry
   * and rate-limit lineage, and marks the old one `replacedBy` the new id, in one atomic write.
   * The old key keeps working until `now + gracePeriodMs` (or its own earlier expiry); a grace of
   * 0 revokes it at once. A grace period counts the old key against `maxKeysPerOwner` while it
   * lasts, so it is refused (`limit_exceeded`) when the owner's other active keys fill the cap.
   * `conflict` for a revoked, rotated, expired or disabled key or a lost race. Emits `created` for the new
   * key, then `rotated` for the old one. Returns the new plaintext, once.
   */
  async rotate(id: string, options: RotateOptions = {}): Promise<RotatedKey> {
    const grace = this.#checkGrace(options.gracePeriodMs ?? 0);
    return this.#locks.run(id, async () => {
      const record = await this.#find(id, options);
      const at = this.#config.now();
      assertChangeable(record, at);
      if (record.disabledAt !== null) {
        throw new KeygateError('conflict', 'The key is disabled; enable it before rotating it.');
      }
      const { name, owner, scopes, metadata, expiresAt, rateLimits, allowedIps } = record;
      const policy = this.#config.expiry ?? NO_EXPIRY_POLICY;
      const replacementExpiry = policyExpiryForRotation(policy, expiresAt, at);
      const fields = { name, owner, scopes, metadata, expiresAt: replacementExpiry, rateLimits, allowedIps };
      const cap = grace > 0 ? this.#config.maxKeysPerOwner : undefined;
      if (cap !== undefined) await this.#assertRoom(owner, at, id);
      const lineage = record.lineage || record.id;
      // A key of a mapped environment is replaced by a key of the same environment.
      const mapped = this.#config.environments?.has(record.prefix) === true;
      const config = mapped ? { ...this.#config, prefix: record.prefix } : this.#config;
      const minted = await mintRecord(config, fields, at, { lineage, client: options.context?.ip ?? undefined });
      const replacedBy = minted.record.id;
      this.#config.invalidate(id);
      const previous = await this.#config.store.rotate({
        id,
        ifVersion: record.version,
        patch: rotationPatch(record, replacedBy, at, grace),
        replacement: minted.record,
        maxActivePerOwner: cap,
      });
      this.#config.invalidate(id);
      if (previous === null) throw notFound();
      const apiKey = this.#view(minted.record);
      this.#emit(lifecycleEvent('created', apiKey, at, options.context));
      this.#emit(lifecycleEvent('rotated', previous, at, options.context, replacedBy));
      return { key: minted.key, apiKey, previous: this.#view(previous) };
    });
  }

  /**
   * One page of the active keys of every owner that expire within the next `withinMs`, soonest
   * first (then by id), paged like {@link list}. Needs the store's optional `findExpiring`
   * (MemoryStore, RedisStore and PostgresStore have it); `invalid_options` without it.
   */
  async findExpiring(withinMs: number, options: FindKeysOptions = {}): Promise<KeyPage> {
    const span = checkSpan('withinMs', withinMs);
    const at = this.#config.now();
    return findKeys(this.#config.store, 'findExpiring', at + span, at, options, this.#config.environments);
  }

  /**
   * One page of the active keys of every owner not used for `sinceMs`: last used before
   * `now - sinceMs`, or never used and created before then; least recently used first (then by
   * id), paged like {@link list}. Needs the store's optional `findUnused`; `invalid_options` without it.
   */
  async findUnused(sinceMs: number, options: FindKeysOptions = {}): Promise<KeyPage> {
    const span = checkSpan('sinceMs', sinceMs);
    const at = this.#config.now();
    return findKeys(this.#config.store, 'findUnused', at - span, at, options, this.#config.environments);
  }

  // Refuses before any hashing when the owner's active keys (other than `except`) plainly fill the
  // cap. Only a shortcut: the store's atomic check when writing is what holds the cap.
  async #assertRoom(owner: string, at: number, except: string | undefined): Promise<void> {
    const cap = this.#config.maxKeysPerOwner;
    if (cap === undefined) return;
    const { records } = await this.#config.store.listByOwner(owner, { limit: cap + 1, activeAt: at });
    if (records.filter((r) => r.id !== except).length >= cap) {
      throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
    }
  }

  #checkGrace(grace: unknown): number {
    const max = this.#config.maxGracePeriodMs;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > max) {
      throw new KeygateError('invalid_input', `gracePeriodMs must be an integer from 0 to ${max} ms.`, {
        field: 'gracePeriodMs',
      });
    }
    return grace;
  }

  // The key to change, as the store has it now; unknown to an actor it exceeds, and checked
  // against the version the caller expects.
  // The prefix of a new key: the instance's, or the one mapped to the requested environment.
  #prefixFor(environment: unknown): string {
    if (environment === undefined) return this.#config.prefix;
    for (const [prefix, name] of this.#config.environments ?? []) if (name === environment) return prefix;
    const known = [...new Set(this.#config.environments?.values() ?? [])];
    throw new KeygateError(
      'invalid_input',
      known.length === 0
        ? 'environment: this instance has no `environments` configured.'
        : `environment must be one of the configured environments: ${known.join(', ')}.`,
      { field: 'environment' },
    );
  }

  async #find(id: string, options: ChangeOptions): Promise<KeyRecord> {
    const record = isKeyId(id) ? await this.#config.store.findById(id) : null;
    if (record === null || !withinActor(options.actor, this.#view(record))) throw notFound();
    assertVersion(record, options.ifVersion);
    return record;
  }

  // Writes a patch conditionally on the version read, dropping the key from caches before (so
  // this instance stops serving the old state at once) and after (so a verification that read
  // the old record cannot cache it).
  async #write(record: KeyRecord, patch: KeyRecordPatch): Promise<KeyRecord> {
    const { store, invalidate } = this.#config;
    invalidate(record.id);
    const updated = await store.update(record.id, patch, { ifVersion: record.version });
    invalidate(record.id);
    if (updated === null) throw notFound();
    return updated;
  }
}

function notFound(): KeygateError {
  return new KeygateError('not_found', 'No key with that id.');
}
