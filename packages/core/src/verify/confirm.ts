// Whether a presented key is one this instance issued: its secret matches the stored hash, whatever
// state the key is in now. Reports of leaked keys need this: a revoked or disabled key that leaked
// is still a true finding, while verification (verifier.ts) refuses such keys before any hashing.
import type { Hasher } from '../hashing/hasher.js';
import { hashAlgorithm } from '../hashing/hasher.js';
import type { KdfLimiter } from '../hashing/kdf-limiter.js';
import { parseKey } from '../key/format.js';
import type { KeyRecord } from '../key/record.js';
import type { KeyStore } from '../stores/store.js';

/** What {@link confirmKey} needs of the instance's verification setup. */
export interface ConfirmConfig {
  readonly store: KeyStore;
  readonly hasher: Hasher;
  readonly hashers: readonly Hasher[];
  readonly kdf: KdfLimiter;
}

/** The hasher that reads a stored hash: the one of its algorithm, else the current one (which answers false). */
export function hasherFor(config: Pick<ConfirmConfig, 'hasher' | 'hashers'>, stored: string): Hasher {
  const algorithm = hashAlgorithm(stored);
  return config.hashers.find((h) => h.algorithm === algorithm) ?? config.hasher;
}

/**
 * The record of `presented` when it is a well-formed key whose prefix and secret match the stored
 * key of its id, in any state (revoked, disabled, expired included); null otherwise. The hash waits
 * its turn in the KDF limiter as `client`'s (KdfBusyError when saturated); store errors propagate.
 * Nothing is cached, counted or logged.
 */
export async function confirmKey(config: ConfirmConfig, presented: string, client: string): Promise<KeyRecord | null> {
  const parsed = parseKey(presented);
  if (!parsed.ok) return null;
  const { prefix, id, secret } = parsed.key;
  const record = await config.store.findById(id);
  if (record === null || record.prefix !== prefix) return null;
  const hasher = hasherFor(config, record.hash);
  const matches = await config.kdf.run(() => hasher.verify(secret, record.hash), client);
  return matches ? record : null;
}
