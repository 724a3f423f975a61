// The Redis streams of RedisAuditSink, and the script that appends to one. Every event goes to the
// stream of all events, and to the stream of its key and of its owner when it names them, so that
// each query reads one stream in id order. Entry ids are the events' times in ms, raised where
// needed to stay after the stream's last id (events of several instances interleave), so a time
// range is a range of ids. Each script call touches one stream: it runs on Redis Cluster too.
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../events.js';
import type { StoreScript } from '../../stores/redis/scripts.js';
import { toStoredEvent } from '../event-codec.js';

/** The streams of one key prefix. */
export interface AuditStreams {
  /** Every event. */
  readonly all: string;
  /** The events of one key id. */
  key(id: string): string;
  /** The events naming one owner. */
  owner(owner: string): string;
}

/** The stream names under `prefix` (e.g. `keygate:audit:all`, `keygate:audit:key:<id>`, `keygate:audit:owner:<owner>`). */
export function auditStreams(prefix: string): AuditStreams {
  return Object.freeze({
    all: `${prefix}audit:all`,
    key: (id: string) => `${prefix}audit:key:${id}`,
    owner: (owner: string) => `${prefix}audit:owner:${owner}`,
  });
}

/** A batch as the script's arguments, grouped by stream: for each stream, its events' times and JSON. */
export function appendsOf(streams: AuditStreams, batch: readonly AuditEvent[]): Map<string, string[]> {
  const appends = new Map<string, string[]>();
  const add = (stream: string, time: string, json: string) => {
    const args = appends.get(stream);
    if (args === undefined) appends.set(stream, [time, json]);
    else args.push(time, json);
  };
  for (const event of batch) {
    const stored = toStoredEvent(event);
    const time = String(Math.max(0, stored.time));
    const json = JSON.stringify(stored);
    add(streams.all, time, json);
    if (stored.keyId !== null) add(streams.key(stored.keyId), time, json);
    if (stored.owner !== null) add(streams.owner(stored.owner), time, json);
  }
  return appends;
}

/**
 * Appends events to one stream, capped at about ARGV[1] entries (MAXLEN ~), then trims entries
 * before ARGV[2] (ms; MINID) and lets the stream expire ARGV[3] ms after its last write.
 * KEYS: the stream. ARGV: max entries, oldest time kept, time to live, then time, JSON… per event.
 */
export const APPEND_SCRIPT: StoreScript = luaScript(`
local key = KEYS[1]
local lastMs, lastSeq = -1, -1
if redis.call('EXISTS', key) == 1 then
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local ms, seq = string.match(info[i + 1], '^(%d+)-(%d+)$')
      lastMs, lastSeq = tonumber(ms), tonumber(seq)
    end
  end
end
for i = 4, #ARGV, 2 do
  local ms, seq = tonumber(ARGV[i]), 0
  if ms <= lastMs then ms, seq = lastMs, lastSeq + 1 end
  redis.call('XADD', key, 'MAXLEN', '~', ARGV[1], string.format('%d-%d', ms, seq), 'e', ARGV[i + 1])
  lastMs, lastSeq = ms, seq
end
redis.call('XTRIM', key, 'MINID', ARGV[2])
redis.call('PEXPIRE', key, ARGV[3])
return 1
`);

function luaScript(lua: string): StoreScript {
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') });
}
