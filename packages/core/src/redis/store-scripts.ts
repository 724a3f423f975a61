// The Lua scripts of RedisStore. Each touches keys of one owner only (one hash slot, see
// store-keys.ts), so each runs atomically on a standalone Redis and on Redis Cluster alike.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Lua script and its SHA-1, for EVALSHA. */
export interface StoreScript {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): StoreScript {
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') });
}

/**
 * Creates a record unless its id exists or the owner is at the cap.
 * KEYS: record hash, owner index, record key base of the owner (ids are appended to it).
 * ARGV: id, createdAt (epoch ms, also the instant expiry is judged at), cap ('' for none), then field, value….
 * Returns 'ok', 'conflict' or 'limit'. Index entries whose record is missing are not counted.
 */
export const CREATE_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'conflict' end
if ARGV[3] ~= '' then
  local cap = tonumber(ARGV[3])
  local now = tonumber(ARGV[2])
  local active = 0
  if active >= cap then return 'limit' end
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local state = redis.call('HMGET', KEYS[3] .. id, 'id', 'revokedAt', 'expiresAt')
    if state[1] and not state[2] and (not state[3] or tonumber(state[3]) > now) then
      active = active + 1
      if active >= cap then return 'limit' end
    end
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 'ok'
`);

/**
 * Patches an existing record and returns it as HGETALL's flat array, or nil when it does not exist.
 * KEYS: record hash. ARGV: n (fields to set), then n field/value pairs, then fields to delete.
 */
export const UPDATE_SCRIPT = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 2 * n + 1)) end
if #ARGV > 2 * n + 1 then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 * n + 2)) end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * Every record of one owner, oldest first, each as HGETALL's flat array: one consistent snapshot.
 * KEYS: owner index, record key base of the owner.
 */
export const LIST_SCRIPT = script(`
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', KEYS[2] .. id)
  if #fields > 0 then out[#out + 1] = fields end
end
return out
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
