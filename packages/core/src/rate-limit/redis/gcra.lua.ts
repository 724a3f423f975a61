/**
 * The GCRA decisions of a batch of limiter calls as one Lua script: one round trip and one `TIME`
 * for every call of an event-loop turn (per hash slot), atomic across every policy of every call.
 * The math is the one of ../rate-limit/gcra.ts (integer microseconds): read here and there together.
 *
 * The calls come in groups, one group per subject and policy list, its calls in the order made.
 * KEYS: each group's keys, one per policy, all with the group's `{subject}` hash tag (a batch holds
 * the groups of one hash slot: Redis Cluster safe).
 * ARGV, per group: m (its policy count); per policy T (emission interval) and τ (tolerance, limit·T);
 * n (its call count); per call its cost, or -1 - cost for a check (which counts nothing).
 * Returns, per group and policy, untilFull = max(TAT, now) - now before the group's first call: one
 * integer when there is one value, a list otherwise. The client replays each group's calls from
 * there with the same formulas (../rate-limit/decision.ts), which gives the decision of each call.
 *
 * Time comes from Redis `TIME`, never from an application server, so every instance shares one clock
 * (writing after `TIME` needs effects replication: the default from Redis 5 on, which keygate requires).
 * Each key stores its TAT as an integer and expires at least a second after the TAT, at most one
 * tolerance (one window) and a second after it: idle keys vanish. (SET KEEPTTL: Redis 6.0 or later.)
 * Numbers are read with arithmetic (`s + 0`: one parse, where `tonumber` parses twice) and written
 * with `%d` (a TAT in microseconds has 16 digits, which tostring would write in exponent form; %d,
 * a C long, is exact below 2^53).
 */
export const GCRA_LUA = `
local time = redis.call('TIME')
local now = time[1] * 1000000 + time[2]
-- The reply: its first value, and the list once there is a second.
local one
local out
local n = 0
local k = 0
local a = 1
local last = #ARGV
-- Per policy i of the group: s[i] its TAT, s[m + i] its T, s[2m + i] its tolerance (one table
-- for the run, made with room for one policy: growing a Lua table rehashes it).
local s = { 0, 0, 0 }
while a <= last do
  local m = 1
  if ARGV[a] ~= '1' then
    m = ARGV[a] + 0
  end
  for i = 1, m do
    local stored = redis.call('GET', KEYS[k + i])
    local tat = now
    if stored then
      tat = stored + 0
      if tat < now then
        tat = now
      end
    end
    s[i] = tat
    s[m + i] = ARGV[a + 2 * i - 1] + 0
    s[2 * m + i] = ARGV[a + 2 * i] + 0
    n = n + 1
    if n == 1 then
      one = tat - now
    else
      out = out or { one }
      out[n] = tat - now
    end
  end
  local first = a + 2 * m + 2
  local stop = first + ARGV[a + 2 * m + 1] - 1
  local counted = false
  for c = first, stop do
    local cost = 1
    if ARGV[c] ~= '1' then
      cost = ARGV[c] + 0
    end
    if cost > 0 then
      local fits = true
      for i = 1, m do
        if s[i] + cost * s[m + i] - now > s[2 * m + i] then
          fits = false
          break
        end
      end
      if fits then
        for i = 1, m do
          s[i] = s[i] + cost * s[m + i]
        end
        counted = true
      end
    end
  end
  if counted then
    for i = 1, m do
      local key = KEYS[k + i]
      local tat = s[i]
      local value = string.format('%d', tat)
      -- The key must outlive its TAT, with a second of headroom for Redis's millisecond clock
      -- (which PTTL counts from) against TIME. Its expiry moves only when it would not: then to one
      -- tolerance past that, so that the writes after it can keep it (SET KEEPTTL, cheaper).
      if redis.call('PTTL', key) * 1000 >= tat - now + 1000000 then
        redis.call('SET', key, value, 'KEEPTTL')
      else
        redis.call('SET', key, value, 'PX', string.format('%d', math.ceil((tat - now + 1000000 + s[2 * m + i]) / 1000)))
      end
    end
  end
  k = k + m
  a = stop + 1
end
return out or one
`;
