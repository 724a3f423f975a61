// The keygate instance of the keygate servers: MemoryStore and default options (HMAC-SHA-256
// hasher, verified-key cache, last-used tracking), one bench key, verified once so the cache is
// warm before any request.
import { createKeygate, MemoryStore } from '@keygate/core';

export async function createBenchKeygate() {
  const keygate = createKeygate({ store: new MemoryStore() });
  const { key } = await keygate.keys.create({ name: 'bench', owner: 'bench' });
  const result = await keygate.verify(key);
  if (!result.ok) throw new Error(`keygate: a new key did not verify (${result.reason})`);
  return { keygate, key };
}
