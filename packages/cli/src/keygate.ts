// The keygate instance one CLI run works through, and the key a command line names.
import {
  type ApiKey,
  createKeygate,
  type Hasher,
  isKeyId,
  KEY_ID_LENGTH,
  type Keygate,
  KeygateError,
  type KeyStore,
  parseKey,
} from '@keygate/core';
import { usage } from './exit.js';

/** The prefix of the keys the CLI mints unless `--prefix` says otherwise (the one the README uses). */
export const DEFAULT_PREFIX = 'sk_live';

/** How the CLI's keygate is set up. */
export interface KeygateSetup {
  readonly hasher?: Hasher;
  readonly prefix?: string | undefined;
  readonly maxKeysPerOwner?: number | undefined;
}

/** A keygate over `store` for one CLI run: no cache, the chosen hasher and cap, the prefix (default sk_live). */
export function keygateOver(store: KeyStore, { hasher, prefix, maxKeysPerOwner }: KeygateSetup = {}): Keygate {
  return createKeygate({
    store,
    cache: false,
    prefix: prefix ?? DEFAULT_PREFIX,
    ...(hasher === undefined ? {} : { hasher }),
    ...(maxKeysPerOwner === undefined ? {} : { maxKeysPerOwner }),
  });
}

/** The key with the id given on the command line: `invalid_input` for something that is no id, `not_found` for an unknown one. */
export async function existingKey(keygate: Keygate, id: string): Promise<ApiKey> {
  if (!isKeyId(id)) {
    throw usage(
      parseKey(id).ok
        ? `Give the key id (the ${KEY_ID_LENGTH} characters after the prefix), never the whole key.`
        : `A key id is ${KEY_ID_LENGTH} letters and digits.`,
    );
  }
  const key = await keygate.keys.get(id);
  if (key === null) throw new KeygateError('not_found', `No key with id ${id}.`);
  return key;
}
