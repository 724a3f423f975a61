import { isKeygateError, KeygateError } from '../errors.js';
import type { Hasher } from '../hashing/hasher.js';
import { KdfBusyError, type KdfLimiter } from '../hashing/kdf-limiter.js';
import { generateKey } from '../key/format.js';
import type { ApiKey, KeyRecord } from '../key/record.js';
import { type EnvironmentMap, toApiKey } from '../key/view.js';
import type { KeyStore } from '../stores/store.js';

/** A freshly created key: `key` is the plaintext, shown to its owner once and never again. */
export interface CreatedKey {
  /** The plaintext key. keygate keeps only its hash: show it once, then drop it. */
  readonly key: string;
  /** The key's public metadata. */
  readonly apiKey: ApiKey;
}

/** The outcome of a rotation: the new key (plaintext once) and the old key as it now stands. */
export interface RotatedKey extends CreatedKey {
  /** The replaced key, with `replacedBy` set and its grace-period expiry (or revocation). */
  readonly previous: ApiKey;
}

/** The fields of a new record that the caller chose (already validated). */
export type MintFields = Pick<
  KeyRecord,
  'name' | 'owner' | 'scopes' | 'metadata' | 'expiresAt' | 'rateLimits' | 'allowedIps'
>;

/** What minting needs: where the key's prefix and hash come from, and the limiter every hash goes through. */
export interface MintConfig {
  readonly prefix: string;
  readonly hasher: Hasher;
  readonly kdf: KdfLimiter;
  /** Prefixes mapped to environments, for the returned view. Default: none. */
  readonly environments?: EnvironmentMap | undefined;
}

const MAX_ID_ATTEMPTS = 3;

/**
 * A new key and its record, not yet stored: version 1, and its own id as lineage unless it
 * continues one (a rotation's replacement continues the lineage of the key it replaces). The hash
 * waits its turn in the KDF limiter as `client`'s; `busy` when it cannot start in time.
 */
export async function mintRecord(
  { prefix, hasher, kdf }: MintConfig,
  fields: MintFields,
  at: number,
  options: { lineage?: string | undefined; client?: string | undefined } = {},
): Promise<{ key: string; record: KeyRecord }> {
  const generated = generateKey(prefix);
  let hash: string;
  try {
    hash = await kdf.run(() => hasher.hash(generated.secret), options.client);
  } catch (error) {
    if (error instanceof KdfBusyError) throw new KeygateError('busy', 'Too many keys are being hashed; retry shortly.');
    throw error;
  }
  const record: KeyRecord = {
    id: generated.id,
    prefix,
    hash,
    ...fields,
    createdAt: new Date(at),
    revokedAt: null,
    disabledAt: null,
    lastUsedAt: null,
    replacedBy: null,
    lineage: options.lineage ?? generated.id,
    version: 1,
  };
  return { key: generated.key, record };
}

/** Generates a key, stores its record (under the per-owner cap when given) and returns the plaintext once. */
export async function mintKey(
  config: MintConfig & { readonly store: KeyStore },
  fields: MintFields,
  at: number,
  maxActivePerOwner: number | undefined,
  client?: string,
): Promise<CreatedKey> {
  for (let attempt = 1; ; attempt++) {
    const { key, record } = await mintRecord(config, fields, at, { client });
    try {
      if (maxActivePerOwner === undefined) await config.store.create(record);
      else await config.store.create(record, { maxActivePerOwner });
      return { key, apiKey: toApiKey(record, config.environments) };
    } catch (error) {
      // 71 random bits make an id collision all but impossible; retry rather than fail if one happens.
      if (!isKeygateError(error, 'conflict') || attempt >= MAX_ID_ATTEMPTS) throw error;
    }
  }
}
