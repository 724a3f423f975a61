/**
 * The GCRA decision as one Lua script, so a request costs one round trip and is atomic across
 * every policy of a subject. The math is the one of ../rate-limit/gcra.ts (integer microseconds):
 * read here and there together.
 *
 * KEYS: one key per policy, all with the same `{subject}` hash tag (one slot, Redis Cluster safe).
 * ARGV[1] cost; ARGV[2] '1' to only check (count nothing), '0' to consume;
 * then per policy i: ARGV[1+2i] emission interval T, ARGV[2+2i] tolerance τ = limit·T.
 * Returns { allowed (1 or 0), then per policy: untilFull (TAT after the decision minus now), wait (0 when it admits) }.
 *
 * Time comes from Redis `TIME`, never from an application server, so every instance shares one clock
 * (writing after `TIME` needs effects replication: the default from Redis 5 on, which keygate requires).
 * Each key stores its TAT as an integer and expires (PX) when the TAT passes: idle keys vanish.
 */
export const GCRA_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local cost = tonumber(ARGV[1])
local consume = ARGV[2] ~= '1'
local count = #KEYS
-- One policy (the common case): the loops below, without their tables.
if count == 1 then
  local interval = tonumber(ARGV[3])
  local tolerance = tonumber(ARGV[4])
  local tat = tonumber(redis.call('GET', KEYS[1]) or now)
  if tat < now then
    tat = now
  end
  local ahead = tat + cost * interval - now
  if ahead > tolerance then
    return { 0, tat - now, ahead - tolerance }
  end
  if consume and cost > 0 then
    tat = tat + cost * interval
    redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
  end
  return { 1, tat - now, 0 }
end
local tats = {}
local allowed = 1
for i = 1, count do
  local interval = tonumber(ARGV[1 + 2 * i])
  local tolerance = tonumber(ARGV[2 + 2 * i])
  local stored = redis.call('GET', KEYS[i])
  local tat = now
  if stored then
    tat = math.max(tonumber(stored), now)
  end
  tats[i] = tat
  if tat + cost * interval - now > tolerance then
    allowed = 0
  end
end
local reply = { allowed }
for i = 1, count do
  local interval = tonumber(ARGV[1 + 2 * i])
  local tolerance = tonumber(ARGV[2 + 2 * i])
  local tat = tats[i]
  local wait = 0
  if allowed == 1 then
    if consume and cost > 0 then
      tat = tat + cost * interval
      -- %d: a TAT in microseconds has 16 digits, which tostring would write in exponent form
      -- (and %d, a C long, is exact below 2^53 and cheaper than %.0f).
      redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000))
    end
  else
    wait = math.max(tat + cost * interval - tolerance - now, 0)
  end
  reply[2 * i] = tat - now
  reply[2 * i + 1] = wait
end
return reply
`;
