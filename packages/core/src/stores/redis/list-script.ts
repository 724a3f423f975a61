// The page script of RedisStore.listByOwner and its reply. A page walks one of the owner's indexes
// (store-keys.ts) in its order, createdAt then id (Redis orders equal scores by member bytes),
// and examines a bounded number of entries, so expired or revoked keys cannot make a call long.
import type { KeyRecord } from '../../key/record.js';
import type { RecordPage } from '../store.js';
import { decodeRecord, isHashReply } from './codec.js';
import { script } from './scripts.js';

/** A page examines at most its limit plus this many index entries (skipped expired keys included). */
export const LIST_SCAN_SLACK = 100;

/**
 * One page of an owner's records, each as HGETALL's flat array, read by rank (ZRANGE, O(log n)
 * to reach the start), with the position of the last entry examined when entries follow.
 * KEYS: the index to walk (every id, or live for active keys only), the owner's expiring index,
 * record key base of the owner (ids are appended to it).
 * ARGV: limit, most entries to examine, after createdAt ('' for the first page), after id,
 * activeAt ('' for every key; otherwise keys expired at it are skipped).
 * Returns { {createdAt, id} or {}, {record, …} }.
 */
export const LIST_SCRIPT = script(`
-- True when \`a\` sorts after \`b\` byte by byte, as sorted set members do (Lua's own string
-- comparison follows the server's locale).
local function sorts_after(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end

-- The rank of the first entry after (score, id): past every lower score, then past the entries of
-- equal score whose id does not sort after \`id\` (ordered by id, so found by bisection). Works
-- whether or not (score, id) is still in the index.
local function rank_after(index, score, id)
  local low = redis.call('ZCOUNT', index, '-inf', '(' .. score)
  local high = low + redis.call('ZCOUNT', index, score, score)
  while low < high do
    local middle = math.floor((low + high) / 2)
    if sorts_after(redis.call('ZRANGE', index, middle, middle)[1], id) then high = middle else low = middle + 1 end
  end
  return low
end

local index, expiring, base = KEYS[1], KEYS[2], KEYS[3]
local limit, budget, active_at = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[5]
local start = 0
if ARGV[3] ~= '' then start = rank_after(index, ARGV[3], ARGV[4]) end
local records, examined, last = {}, 0, {}
while #records < limit and examined < budget do
  local want = math.min(limit - #records, budget - examined)
  local entries = redis.call('ZRANGE', index, start + examined, start + examined + want - 1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    examined = examined + 1
    last = { entries[i + 1], entries[i] }
    if active_at == '' or not expired(expiring, entries[i], active_at) then
      local fields = redis.call('HGETALL', base .. entries[i])
      if #fields > 0 then records[#records + 1] = fields end
    end
  end
  if #entries < 2 * want then break end
end
if start + examined >= redis.call('ZCARD', index) then last = {} end
return { last, records }
`);

/** The page in a LIST_SCRIPT reply, or undefined when the reply is not one. */
export function decodeListReply(reply: unknown): RecordPage | undefined {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  const [cursor, hashes] = reply as unknown[];
  if (!Array.isArray(cursor) || !Array.isArray(hashes) || !hashes.every(isHashReply)) return undefined;
  const records = hashes.map(decodeRecord).filter((record): record is KeyRecord => record !== null);
  if (cursor.length === 0) return { records, next: null };
  const [score, id] = cursor as unknown[];
  const createdAt = new Date(Number(score));
  if (cursor.length !== 2 || typeof score !== 'string' || typeof id !== 'string' || Number.isNaN(createdAt.getTime())) {
    return undefined;
  }
  return { records, next: { createdAt, id } };
}
