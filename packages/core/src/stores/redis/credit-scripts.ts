// The Lua scripts of RedisStore's credit allowances (stored as credit-codec.ts writes them). Each
// touches the allowances of one owner only (its hash slot, see keys.ts), all passed as KEYS, so
// each is atomic on a standalone Redis and on Redis Cluster alike, and decides before it writes.
// A stored value a script cannot read is returned as it is and left alone: the client's decoding
// then refuses it (store_unavailable). Numbers are read with tonumber and written with %d (a C
// long: exact below 2^53, where tostring would switch to exponent form past 14 digits).
import { type StoreScript, script } from './scripts.js';

const CREDIT_LUA = `
-- An allowance as stored: its remaining credits, its refill instant (false without a refill
-- plan) and everything after its remaining credits, as it is; nil when it is not readable.
local function parse(value)
  local remaining, tail = string.match(value, '^(%d+)(.*)$')
  if not remaining or #remaining > 16 or tonumber(remaining) > 1000000000000000 then return nil end
  if tail == '' then return tonumber(remaining), false, tail end
  local at = string.match(tail, '^ (%d+) ')
  if not at or #at > 16 or tonumber(at) > 9007199254740991 then return nil end
  return tonumber(remaining), tonumber(at), tail
end
`;

/**
 * Spends from the owner's allowance and the key lineage's together: both or neither.
 * KEYS: the owner's allowance, then (optionally) the lineage's. ARGV: cost, now (epoch ms).
 * Returns { outcome, owner's allowance after, lineage's after } ('spent', 'insufficient' or 'due';
 * an allowance that does not exist is nil), or { 'malformed', value… } for a value it cannot read.
 */
export const SPEND_CREDITS_SCRIPT: StoreScript = script(
  `
local cost, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local values, remaining, tails = { false, false }, {}, {}
local outcome = 'spent'
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then
    local left, at, tail = parse(value)
    if not left then return { 'malformed', value } end
    values[i], remaining[i], tails[i] = value, left, tail
    if at and at <= now then outcome = 'due' end
  end
end
if outcome == 'spent' then
  for i = 1, #KEYS do
    if values[i] and remaining[i] < cost then outcome = 'insufficient' end
  end
end
if outcome == 'spent' and cost > 0 then
  for i = 1, #KEYS do
    if values[i] then
      values[i] = string.format('%d', remaining[i] - cost) .. tails[i]
      redis.call('SET', KEYS[i], values[i])
    end
  end
end
return { outcome, values[1], values[2] }
`,
  CREDIT_LUA,
);

/**
 * Adds a delta to an allowance, clamped to 0..10^15. KEYS: the allowance. ARGV: the delta.
 * Returns the allowance after, or nil when there is none.
 */
export const ADD_CREDITS_SCRIPT: StoreScript = script(
  `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local remaining, _, tail = parse(value)
if not remaining then return value end
local sum = math.min(math.max(remaining + tonumber(ARGV[1]), 0), 1000000000000000)
value = string.format('%d', sum) .. tail
redis.call('SET', KEYS[1], value)
return value
`,
  CREDIT_LUA,
);

/**
 * Refills an allowance whose refill instant is still the one given: its remaining credits become
 * its refill amount and its refill instant the next one. KEYS: the allowance. ARGV: the refill
 * instant expected, the next one (epoch ms). Returns the allowance after, or nil when there is none.
 */
export const REFILL_CREDITS_SCRIPT: StoreScript = script(
  `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local remaining, at, tail = parse(value)
if not remaining or at ~= tonumber(ARGV[1]) then return value end
local amount, plan = string.match(tail, '^ %d+ (%d+)(.*)$')
if not amount then return value end
value = amount .. ' ' .. ARGV[2] .. ' ' .. amount .. plan
redis.call('SET', KEYS[1], value)
return value
`,
  CREDIT_LUA,
);
