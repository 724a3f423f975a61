// The Lua scripts of RedisStore that write. Each touches keys of one owner only (one hash slot,
// see store-keys.ts), all passed as KEYS, so each runs atomically on a standalone Redis and on
// Redis Cluster alike. Each checks everything before its first write: a script that refuses
// writes nothing. Replies: 'taken' (the new id has a record), 'changed' (the version differs),
// 'limit' (the owner's cap refuses the key), nil (no such key), or the result.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { STORE_LUA } from './lua.js';

/** A Lua script and its SHA-1, for EVALSHA. */
export interface StoreScript {
  readonly lua: string;
  readonly sha: string;
}

/** A script of RedisStore: `shared` (by default the shared Lua functions of lua.ts), then `body`. */
export function script(body: string, shared = STORE_LUA): StoreScript {
  const lua = shared + body;
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') });
}

/**
 * Creates a record unless its id exists or the owner is at the cap.
 * KEYS: record hash, then the owner's indexes (every id, live, expiring).
 * ARGV: id, createdAt (epoch ms, also the instant expiry is judged at), cap ('' for none), then field, value….
 * Returns 'ok', 'taken' or 'limit'.
 */
export const CREATE_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'taken' end
if ARGV[3] ~= '' and active_count(KEYS[3], KEYS[4], ARGV[2], false) >= tonumber(ARGV[3]) then return 'limit' end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
sync_indexes(KEYS[1], ARGV[1], KEYS[2], KEYS[3], KEYS[4])
return 'ok'
`);

/**
 * Patches an existing record and returns it as HGETALL's flat array; nil when it does not exist,
 * 'changed' when a version is expected and the stored one differs.
 * KEYS: record hash, then the owner's indexes (every id, live, expiring).
 * ARGV: id, expected version ('' for none), then the patch (see patchArgs).
 */
export const UPDATE_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[2] ~= '' and not has_version(KEYS[1], ARGV[2]) then return 'changed' end
apply_patch(KEYS[1], 3)
sync_indexes(KEYS[1], ARGV[1], KEYS[2], KEYS[3], KEYS[4])
return redis.call('HGETALL', KEYS[1])
`);

/**
 * Stores a replacement and patches the replaced key together; returns the replaced key's record as
 * HGETALL's flat array, nil when it does not exist, or 'changed', 'taken' or 'limit'. The cap
 * counts the owner's active keys at the replacement's createdAt other than the replaced key.
 * KEYS: replaced record hash, replacement record hash, then the owner's indexes (every id, live, expiring).
 * ARGV: replaced id, its expected version, replacement id, replacement createdAt (epoch ms), cap
 * ('' for none), m, then the replacement's m field/value strings, then the patch (see patchArgs).
 */
export const ROTATE_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if not has_version(KEYS[1], ARGV[2]) then return 'changed' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'taken' end
if ARGV[5] ~= '' and active_count(KEYS[4], KEYS[5], ARGV[4], ARGV[1]) >= tonumber(ARGV[5]) then return 'limit' end
local m = tonumber(ARGV[6])
redis.call('HSET', KEYS[2], unpack(ARGV, 7, 6 + m))
sync_indexes(KEYS[2], ARGV[3], KEYS[3], KEYS[4], KEYS[5])
apply_patch(KEYS[1], 7 + m)
sync_indexes(KEYS[1], ARGV[1], KEYS[3], KEYS[4], KEYS[5])
return redis.call('HGETALL', KEYS[1])
`);

/**
 * Writes last-used times of keys of one owner, keeping a later time already stored; skips keys
 * that do not exist. KEYS: record hashes. ARGV: each one's time (epoch ms), in the same order.
 */
export const TOUCH_SCRIPT = script(`
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local stored = tonumber(redis.call('HGET', key, 'lastUsedAt') or '0') or 0
    if tonumber(ARGV[i]) > stored then redis.call('HSET', key, 'lastUsedAt', ARGV[i]) end
  end
end
return #KEYS
`);

/**
 * Runs a script by EVALSHA, falling back to EVAL (which caches it on that server) the first time
 * a server has not seen it. Unlike defineCommand, this adds nothing to the caller's client.
 */
export async function runScript(
  client: Redis | Cluster,
  { lua, sha }: StoreScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(lua, keys.length, ...keys, ...args);
  }
}
