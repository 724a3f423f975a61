// Lua functions shared by RedisStore's scripts, prepended to each of them (see script() in
// store-scripts.ts). They hold the rules every script must apply alike: how a record's fields
// place its id in the owner's indexes, when a key counts as active, how a patch is written.
import type { KeyRecordPatch } from '../../key/record.js';
import { encodePatch } from './codec.js';

/** The shared Lua functions. Scripts pass the owner's indexes in the order every id, live, expiring. */
export const STORE_LUA = `
-- Brings the owner's indexes in line with a record as stored: its id is in \`all\` (scored by
-- createdAt), in \`live\` (scored by createdAt) unless it is revoked, and in \`expiring\` (scored by
-- expiresAt) unless it is revoked or never expires. Every script that writes a record calls this.
local function sync_indexes(record, id, all, live, expiring)
  local f = redis.call('HMGET', record, 'createdAt', 'revokedAt', 'expiresAt')
  redis.call('ZADD', all, f[1], id)
  if f[2] then
    redis.call('ZREM', live, id)
    redis.call('ZREM', expiring, id)
    return
  end
  redis.call('ZADD', live, f[1], id)
  if f[3] then
    redis.call('ZADD', expiring, f[3], id)
  else
    redis.call('ZREM', expiring, id)
  end
end

-- True when the key \`id\` has expired at \`at\` (epoch ms): it expires at or before \`at\`.
local function expired(expiring, id, at)
  local expires = redis.call('ZSCORE', expiring, id)
  return expires ~= false and tonumber(expires) <= tonumber(at)
end

-- How many of the owner's keys are active (neither revoked nor expired) at \`at\`, not counting the
-- key \`except\` (an id, or false). O(log n) whatever the number of revoked or expired keys:
-- every live key, minus the live keys that expire at or before \`at\`.
local function active_count(live, expiring, at, except)
  local count = redis.call('ZCARD', live) - redis.call('ZCOUNT', expiring, '-inf', at)
  if except and redis.call('ZSCORE', live, except) and not expired(expiring, except, at) then
    count = count - 1
  end
  return count
end

-- True when a record's stored version (absent: 0) is \`version\`.
local function has_version(record, version)
  return tonumber(redis.call('HGET', record, 'version') or '0') == tonumber(version)
end

-- Writes a patch (see patchArgs) that starts at ARGV[from] and runs to the last ARGV.
local function apply_patch(record, from)
  local n = tonumber(ARGV[from])
  if n > 0 then redis.call('HSET', record, unpack(ARGV, from + 1, from + 2 * n)) end
  if #ARGV > from + 2 * n then redis.call('HDEL', record, unpack(ARGV, from + 2 * n + 1)) end
end
`;

/**
 * A patch as script arguments, as apply_patch reads them: the number n of fields to set, n
 * field/value pairs, then the fields to delete. It must be the last of a script's arguments.
 */
export function patchArgs(patch: KeyRecordPatch): string[] {
  const { set, clear } = encodePatch(patch);
  return [String(set.length / 2), ...set, ...clear];
}
