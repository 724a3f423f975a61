// Fixtures of the rate-limit conformance cases: a keygate that counts store lookups and hash
// checks, a parser of the RateLimit field, the 429 assertion,
// and the Redis plumbing (clients, per-test key prefixes, key cleanup).

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent } from 'node:http';
import {
  type AuthOptions,
  type CreatedKey,
  type CreateKeyInput,
  type Hasher,
  hmacSha256Hasher,
  type Keygate,
  MemoryStore,
} from '@keygate/core';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { type CountingStore, countingStore } from '../../packages/core/test/support/counting-store.js';
import type { Adapter, RunningApp } from './apps.js';
import { createFixture, PROBLEM_JSON, type ResponseLike } from './helpers.js';

/**
 * Starts the shared conformance app with these authentication options. The apps of apps.ts hand
 * their options to the adapter untouched (`apiKeyAuth(options)`, `register(keygatePlugin, options)`),
 * so `rateLimit` reaches it; the tests that expect RateLimit headers fail loudly if it ever does not.
 */
export function startApp(adapter: Adapter, options: AuthOptions): Promise<RunningApp> {
  return adapter.start(options);
}

/** A keygate over a counting MemoryStore with a fast hasher whose `verify` calls are counted too. */
export interface CountingFixture {
  readonly keygate: Keygate;
  /** The store keygate uses, counting its calls by method (`calls.findById`: lookups). */
  readonly store: CountingStore<MemoryStore>;
  /** How many times a presented secret was checked against a stored hash. */
  hashChecks(): number;
  /** Creates a key (name and owner filled in). */
  issue(input?: Partial<CreateKeyInput>): Promise<CreatedKey>;
}

export function createCountingFixture(): CountingFixture {
  const store = countingStore(new MemoryStore());
  const base = hmacSha256Hasher();
  let checks = 0;
  const hasher: Hasher = {
    algorithm: base.algorithm,
    hash: (secret) => base.hash(secret),
    verify: (secret, stored) => {
      checks++;
      return base.verify(secret, stored);
    },
    needsRehash: (stored) => base.needsRehash(stored),
  };
  const { keygate } = createFixture({ store: store.store, hasher });
  return {
    keygate,
    store,
    hashChecks: () => checks,
    issue: (input = {}) => keygate.keys.create({ name: 'rate-limited', owner: 'user_1', ...input }),
  };
}

/** One member of the RateLimit field: `"name";r=<remaining>;t=<seconds>`. */
export interface RateLimitItem {
  readonly name: string;
  readonly r: number;
  readonly t: number;
}

/** Parses a RateLimit field as keygate writes it (a List of sf-strings with `r` and `t`); fails the test on anything else. */
export function parseRateLimit(value: string | string[] | undefined): RateLimitItem[] {
  expect(typeof value, 'RateLimit header').toBe('string');
  return (value as string).split(', ').map((member) => {
    const match = /^"([A-Za-z0-9_.-]+)";r=(\d+);t=(\d+)$/.exec(member);
    expect(match, `RateLimit member ${JSON.stringify(member)}`).not.toBeNull();
    const [, name = '', r = '', t = ''] = match as RegExpExecArray;
    return { name, r: Number(r), t: Number(t) };
  });
}

const RATE_LIMIT_HEADERS = [
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
] as const;

/** Asserts that a response carries none of the rate-limit headers (draft fields, Retry-After, legacy trio). */
export function expectNoRateLimitHeaders(res: ResponseLike): void {
  for (const name of RATE_LIMIT_HEADERS) expect(res.headers[name], name).toBeUndefined();
}

/** Asserts that a response carries none of the legacy X-RateLimit-* headers. */
export function expectNoLegacyHeaders(res: ResponseLike): void {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    expect(res.headers[name], name).toBeUndefined();
  }
}

export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** Reads Retry-After as whole seconds, failing unless it is an integer of at least 1. */
export function retryAfterOf(res: ResponseLike): number {
  const value = res.headers['retry-after'];
  expect(value, 'Retry-After').toMatch(/^[1-9]\d*$/);
  return Number(value);
}

/**
 * Asserts a 429 quota-exceeded problem (draft-ietf-httpapi-ratelimit-headers): status, content
 * type, no-store, no challenge, Retry-After, and exactly the body fields keygate sends.
 * Returns Retry-After in seconds.
 */
export function expectQuotaExceeded(res: ResponseLike, violated: readonly string[]): number {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['www-authenticate']).toBeUndefined();
  const retryAfter = retryAfterOf(res);
  expect(JSON.parse(res.text)).toEqual({
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail: expect.any(String),
    code: 'quota_exceeded',
    'violated-policies': [...violated],
  });
  return retryAfter;
}

/** An HTTP agent whose connections leave from another loopback address (another client IP); destroy it after use. */
export function agentFrom(localAddress: string): Agent {
  return new Agent({ localAddress, keepAlive: false });
}

/** A fresh key prefix, so each test's Redis counters are its own. */
export function testPrefix(): string {
  return `keygate:conformance:rl:${randomUUID()}:`;
}

/** Waits (bounded by ioredis' own connect timeout) until the client is ready. */
export async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await Promise.race([
    once(client, 'ready'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('Redis client not ready within 5 s')), 5000)),
  ]);
}

/** Every key under a prefix (SCAN; a test's prefix holds a handful of keys, so a few rounds at most). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  for (let round = 0; round < 10_000; round++) {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    for (const key of batch) found.add(key);
    cursor = next;
    if (cursor === '0') return [...found];
  }
  throw new Error(`SCAN of ${prefix}* did not finish`);
}

/** Deletes every key under a prefix. */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length > 0) await client.del(...keys);
}
