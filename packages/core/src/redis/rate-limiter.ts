import type { Cluster, Redis } from 'ioredis';
import { KeygateError } from '../errors.js';
import { DecisionBuilder } from '../rate-limit/decision.js';
import { burstTolerance, emissionInterval } from '../rate-limit/gcra.js';
import {
  assertCost,
  assertPolicies,
  EMPTY_DECISION,
  type RateLimitDecision,
  type RateLimiter,
} from '../rate-limit/limiter.js';
import type { RateLimitPolicy } from '../record.js';
import { GCRA_LUA } from './gcra.lua.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** An ioredis `Redis` or `Cluster`; {@link createRateLimitRedisClient} makes one with fitting settings. */
  client: Redis | Cluster;
  /** Prefix of every key, before the `{subject}` hash tag; no braces. Default `keygate:rl:`. */
  keyPrefix?: string;
  /** Longest wait for Redis per call, connecting included, in ms; then the call fails (see `onStoreError`). Default 100. */
  timeoutMs?: number;
}

// The script's command name on the client (ioredis `defineCommand`: EVALSHA, EVAL on NOSCRIPT).
const COMMAND = 'keygateGcraV1';
const MAX_SUBJECT_LENGTH = 512;

type GcraClient = { [COMMAND](...args: (string | number)[]): Promise<unknown> };

/**
 * A {@link RateLimiter} on Redis (standalone or Cluster) through ioredis, shared by every instance
 * of an app. Each call is one round trip running one Lua script: time from Redis `TIME`, all keys
 * of a call in one hash slot (`<prefix>{<subject>}:<policy>`), idle keys expiring by themselves.
 * No call waits longer than `timeoutMs`; while the client is not connected calls fail at once
 * instead of queueing. Calls reject with KeygateError `store_unavailable` (or the Redis error);
 * an invalid subject, cost or policy throws `invalid_input` synchronously.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #timeoutError: KeygateError;
  // The client itself fails a command after at most timeoutMs (ioredis `commandTimeout`): no timer of ours needed.
  readonly #clientTimesOut: boolean;
  #ready: Promise<void> | undefined;

  constructor(options: RedisRateLimiterOptions) {
    const { client } = options ?? {};
    if (typeof client?.defineCommand !== 'function' || typeof client.status !== 'string') {
      fail('`client` must be an ioredis Redis or Cluster (see createRateLimitRedisClient()).');
    }
    const prefix = options.keyPrefix ?? 'keygate:rl:';
    if (typeof prefix !== 'string' || prefix.length > 128 || /[{}]/.test(prefix)) {
      fail(
        '`keyPrefix` must be a string of at most 128 characters without `{` or `}` (they would change the hash slot).',
      );
    }
    const timeoutMs = options.timeoutMs ?? 100;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
      fail(`\`timeoutMs\` must be an integer from 1 to 60000 (received ${String(timeoutMs)}).`);
    }
    this.#client = client;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
    this.#timeoutError = new KeygateError('store_unavailable', `keygate: Redis did not answer within ${timeoutMs} ms.`);
    const commandTimeout = client.isCluster ? undefined : (client as Redis).options.commandTimeout;
    this.#clientTimesOut = typeof commandTimeout === 'number' && commandTimeout > 0 && commandTimeout <= timeoutMs;
    if (typeof (client as unknown as Partial<GcraClient>)[COMMAND] !== 'function') {
      client.defineCommand(COMMAND, { lua: GCRA_LUA });
    }
  }

  /** Admits and counts a request of `cost` units on every policy, or denies it and counts nothing. */
  consume(subject: string, policies: readonly RateLimitPolicy[], cost = 1): Promise<RateLimitDecision> {
    return this.#run(subject, policies, cost, '0');
  }

  /** The decision `consume` would make now, counting nothing. */
  check(subject: string, policies: readonly RateLimitPolicy[], cost = 1): Promise<RateLimitDecision> {
    return this.#run(subject, policies, cost, '1');
  }

  /** The Redis key holding one policy's TAT for a subject. */
  keyOf(subject: string, policyName: string): string {
    return `${this.#prefix}{${subject}}:${policyName}`;
  }

  #run(subject: string, policies: readonly RateLimitPolicy[], cost: number, dry: string): Promise<RateLimitDecision> {
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
      throw new KeygateError('invalid_input', `keygate: a rate-limit subject is 1-${MAX_SUBJECT_LENGTH} characters.`);
    }
    assertCost(cost);
    assertPolicies(policies);
    const count = policies.length;
    if (count === 0) return Promise.resolve(EMPTY_DECISION);
    const args: (string | number)[] = [count];
    for (const policy of policies) args.push(this.keyOf(subject, policy.name));
    args.push(cost, dry);
    for (const policy of policies) {
      const interval = emissionInterval(policy);
      args.push(interval, burstTolerance(policy, interval));
    }
    const decide = (reply: unknown) => toDecision(reply, policies);
    const client = this.#client;
    if (this.#clientTimesOut && client.status === 'ready') {
      // The common case, kept to one promise: the client's own commandTimeout bounds the wait.
      return (client as unknown as GcraClient)[COMMAND](...args).then(decide, this.#timedOut);
    }
    return this.#send(args).then(decide);
  }

  // ioredis' `Command timed out` becomes the same `store_unavailable` as a timeout of ours.
  readonly #timedOut = (error: unknown): never => {
    throw error instanceof Error && error.message === 'Command timed out' ? this.#timeoutError : error;
  };

  // Sends the script, bounded by the timeout; never queues behind a connection that is down.
  #send(args: (string | number)[]): Promise<unknown> {
    const client = this.#client;
    const run = () => (client as unknown as GcraClient)[COMMAND](...args);
    const status = client.status;
    if (status === 'ready') return this.#bounded(run, undefined);
    if (status === 'wait') client.connect().catch(() => {});
    if (status === 'wait' || status === 'connecting' || status === 'connect')
      return this.#bounded(run, this.#whenReady());
    return Promise.reject(new KeygateError('store_unavailable', `keygate: Redis is not connected (${status}).`));
  }

  // Runs `start` (after `ready`, when given) and settles with it, or rejects once timeoutMs have passed.
  #bounded(start: () => Promise<unknown>, ready: Promise<void> | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(this.#timeoutError);
      }, this.#timeoutMs);
      const finish = (ok: boolean, value: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) resolve(value);
        else reject(value);
      };
      const send = () => {
        if (settled) return;
        start().then(
          (value) => finish(true, value),
          (error: unknown) => finish(false, error),
        );
      };
      if (ready === undefined) send();
      else ready.then(send);
    });
  }

  // One shared promise per connection attempt, resolved on the client's next `ready`.
  #whenReady(): Promise<void> {
    this.#ready ??= new Promise<void>((resolve) => {
      this.#client.once('ready', () => {
        this.#ready = undefined;
        resolve();
      });
    });
    return this.#ready;
  }
}

// Reads the script's reply { allowed, untilFull₁, wait₁, untilFull₂, wait₂, … } into a decision.
function toDecision(reply: unknown, policies: readonly RateLimitPolicy[]): RateLimitDecision {
  if (!Array.isArray(reply) || reply.length !== 1 + 2 * policies.length) {
    throw new KeygateError('store_unavailable', 'keygate: unexpected reply from the rate-limit script.');
  }
  const decision = new DecisionBuilder(policies.length);
  for (let i = 0; i < policies.length; i++) {
    decision.add(i, policies[i] as RateLimitPolicy, Number(reply[1 + 2 * i]), Number(reply[2 + 2 * i]));
  }
  return decision.finish(Number(reply[0]) === 1);
}

function fail(message: string): never {
  throw new KeygateError('invalid_options', `keygate: ${message}`);
}
