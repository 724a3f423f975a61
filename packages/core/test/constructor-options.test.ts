// Options of the constructors and factories outside createKeygate: stores, limiters, the
// invalidation bus and the hashers. Each refuses a bad value with invalid_options naming itself,
// and warns once about an unknown option name with the closest known one.
import type { Cluster, Redis } from 'ioredis';
import type { Pool } from 'pg';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { MemoryAuditSink } from '../src/audit/memory.js';
import { PostgresAuditSink } from '../src/audit/postgres/sink.js';
import { RedisAuditSink } from '../src/audit/redis/sink.js';
import { hmacSha256Hasher } from '../src/hashing/hmac.js';
import { scryptHasher } from '../src/hashing/scrypt.js';
import { RedisInvalidationBus } from '../src/lifecycle/redis-invalidation.js';
import { MemoryRateLimiter } from '../src/rate-limit/memory-limiter.js';
import { RedisRateLimiter } from '../src/rate-limit/redis/limiter.js';
import { PostgresStore } from '../src/stores/postgres/store.js';
import { RedisStore } from '../src/stores/redis/store.js';

// Stand-ins shaped like the clients (the constructors only check their shape); nothing is sent.
const redis = () =>
  ({ evalsha() {}, get() {}, xrevrange() {}, defineCommand() {}, status: 'ready', options: {} }) as unknown as Redis;
const subscriber = () => ({ publish() {}, subscribe() {}, on() {} }) as unknown as Redis;
const pool = { query() {}, connect() {} } as unknown as Pool;

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
});

describe.each<[string, () => unknown, string]>([
  [
    'RedisStore',
    () => new RedisStore({ client: redis(), keyprefix: 'a:' } as never),
    '`keyprefix` (did you mean `keyPrefix`?)',
  ],
  ['PostgresStore', () => new PostgresStore({ pool, tabel: 'keys' } as never), '`tabel` (did you mean `table`?)'],
  [
    'MemoryRateLimiter',
    () => new MemoryRateLimiter({ maxEntires: 5 } as never),
    '`maxEntires` (did you mean `maxEntries`?)',
  ],
  [
    'RedisRateLimiter',
    () => new RedisRateLimiter({ client: redis() as Redis | Cluster, timeout: 50 } as never),
    '`timeout` (did you mean `timeoutMs`?)',
  ],
  [
    'RedisInvalidationBus',
    () => new RedisInvalidationBus({ publisher: subscriber(), subscriber: subscriber(), chanel: 'x' } as never),
    '`chanel` (did you mean `channel`?)',
  ],
  ['scryptHasher()', () => scryptHasher({ logn: 10 } as never), '`logn` (did you mean `logN`?)'],
  ['hmacSha256Hasher()', () => hmacSha256Hasher({ peper: 'x' } as never), '`peper` (did you mean `pepper`?)'],
  [
    'PostgresAuditSink',
    () => new PostgresAuditSink({ pool, maxAge: 1 } as never),
    '`maxAge` (did you mean `maxAgeMs`?)',
  ],
  [
    'RedisAuditSink',
    () => new RedisAuditSink({ client: redis(), batchsize: 5 } as never),
    '`batchsize` (did you mean `batchSize`?)',
  ],
  ['MemoryAuditSink', () => new MemoryAuditSink({ maxEntrys: 5 } as never), '`maxEntrys` (did you mean `maxEntries`?)'],
])('%s', (name, build, named) => {
  it('warns once with the closest known name for a misspelt option', () => {
    build();
    build();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(`keygate: ${name}: unknown option ${named}; it is ignored.`);
  });
});

describe.each<[string, () => unknown]>([
  ['RedisStore', () => new RedisStore(undefined as never)],
  ['PostgresStore', () => new PostgresStore('postgres://' as never)],
  ['RedisRateLimiter', () => new RedisRateLimiter(null as never)],
  ['RedisInvalidationBus', () => new RedisInvalidationBus([] as never)],
  ['MemoryRateLimiter', () => new MemoryRateLimiter(5 as never)],
  ['scryptHasher()', () => scryptHasher('fast' as never)],
  ['hmacSha256Hasher()', () => hmacSha256Hasher('pepper' as never)],
  ['PostgresAuditSink', () => new PostgresAuditSink(undefined as never)],
  ['RedisAuditSink', () => new RedisAuditSink([] as never)],
  ['MemoryAuditSink', () => new MemoryAuditSink(5 as never)],
])('%s', (name, build) => {
  it('refuses options that are not an object with invalid_options naming itself', () => {
    expect(build).toThrowError(
      expect.objectContaining({
        code: 'invalid_options',
        message: expect.stringMatching(`^keygate: ${name.replace(/[()]/g, '\\$&')}: `),
      }),
    );
  });
});

describe('option values', () => {
  it.each<[string, () => unknown, string]>([
    [
      'a RedisStore timeout of zero',
      () => new RedisStore({ client: redis(), timeoutMs: 0 }),
      'RedisStore: `timeoutMs` must be an integer from 1 to 2147483647 (received 0)',
    ],
    [
      'a PostgresStore timeout given as a string',
      () => new PostgresStore({ pool, timeoutMs: '5' as never }),
      'PostgresStore: `timeoutMs` must be an integer from 1',
    ],
    [
      'a MemoryRateLimiter clock that is not a function',
      () => new MemoryRateLimiter({ now: 5 as never }),
      'MemoryRateLimiter: `now` must be a function',
    ],
    [
      'a negative deny-cache size',
      () => new RedisRateLimiter({ client: redis(), denyCacheSize: -1 }),
      'RedisRateLimiter: `denyCacheSize` must be an integer of at least 0 (received -1)',
    ],
    [
      'a scrypt logN above 24',
      () => scryptHasher({ logN: 25 }),
      'scryptHasher(): `logN` must be an integer from 1 to 24 (received 25)',
    ],
    [
      'a RedisInvalidationBus onError that is not a function',
      () => new RedisInvalidationBus({ publisher: subscriber(), subscriber: subscriber(), onError: 1 as never }),
      'RedisInvalidationBus: `onError` must be a function',
    ],
  ])('refuses %s, naming the option and its owner', (_, build, message) => {
    expect(build).toThrowError(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining(`keygate: ${message}`) }),
    );
  });
});
