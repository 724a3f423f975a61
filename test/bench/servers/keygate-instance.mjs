// The keygate instance of the keygate servers: MemoryStore and default options, one bench key,
// verified once so the verified-key cache is warm before any request.
//
// BENCH_CACHED_KEYS=N (optional) also fills the cache with N other verified keys, as on a server
// with many clients; the load still presents the one bench key. Filling the cache through scrypt
// would take N × ~100 ms, so that variant uses hmacSha256Hasher(): a cache hit never reaches the
// hasher, so the path measured is the same.
import { createKeygate, hmacSha256Hasher, MemoryStore } from '@keygate/core';

export async function createBenchKeygate() {
  const others = Number(process.env.BENCH_CACHED_KEYS ?? 0);
  if (!Number.isInteger(others) || others < 0) throw new Error('BENCH_CACHED_KEYS must be a whole number');
  const keygate = createKeygate({
    store: new MemoryStore(),
    ...(others > 0 ? { hasher: hmacSha256Hasher() } : {}),
  });
  const { key } = await keygate.keys.create({ name: 'bench', owner: 'bench' });
  for (let i = 0; i < others; i++) {
    const other = await keygate.keys.create({ name: 'other', owner: `owner-${i}` });
    await verified(keygate, other.key);
  }
  await verified(keygate, key);
  return { keygate, key };
}

async function verified(keygate, key) {
  const result = await keygate.verify(key);
  if (!result.ok) throw new Error(`keygate: a new key did not verify (${result.reason})`);
}
