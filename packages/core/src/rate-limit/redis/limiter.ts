import type { Cluster, Redis } from 'ioredis';
import { KeygateError } from '../../errors.js';
import type { RateLimitPolicy } from '../../key/record.js';
import { type OptionChecks, optionChecks, optionNames } from '../../options.js';
import { DenyCache, denyKeyOf } from '../deny-cache.js';
import {
  assertCost,
  assertParts,
  assertSubject,
  EMPTY_DECISION,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPart,
} from '../limiter.js';
import { linkedPlan, type PolicyPlan, policyPlan } from '../policy-plan.js';
import { RateLimitBatch } from './batch.js';
import { GCRA_LUA } from './gcra.lua.js';
import { keySlot } from './key-slot.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** An ioredis `Redis` or `Cluster`; {@link createRateLimitRedisClient} makes one with fitting settings. */
  client: Redis | Cluster;
  /** Prefix of every key, before the `{subject}` hash tag; no braces. Default `keygate:rl:`. */
  keyPrefix?: string;
  /** Longest wait for Redis per call, connecting included, in ms; then the call fails (see `onStoreError`). Default 100. */
  timeoutMs?: number;
  /**
   * Most refusals remembered in this process (see below), each a few hundred bytes; past it the
   * oldest is forgotten. Default 10 000; 0 turns the deny cache off.
   */
  denyCacheSize?: number;
}

const check: OptionChecks = optionChecks('RedisRateLimiter');
const OPTION_NAMES = optionNames<RedisRateLimiterOptions>({
  client: true,
  keyPrefix: true,
  timeoutMs: true,
  denyCacheSize: true,
});

// The script's command name on the client (ioredis `defineCommand`: EVALSHA, EVAL on NOSCRIPT).
const COMMAND = 'keygateGcraV2';

type GcraClient = { [COMMAND](...args: (string | number)[]): Promise<unknown> };

/**
 * A {@link RateLimiter} on Redis (standalone or Cluster) through ioredis, shared by every instance
 * of an app. The calls of one event-loop turn are sent together, after the turn's I/O callbacks
 * (`setImmediate`): one round trip and one Lua script run per hash slot, which decides them in the
 * order they were made, each exactly as if sent alone at that instant. Time comes from Redis
 * `TIME`; all keys of a subject are in one hash slot (`<prefix>{<subject>}:<policy>`); idle keys
 * expire by themselves. `consumeAll` decides its parts in one script run too: the first part's keys
 * are those of `consume`, a later part's are `<prefix>{<first subject>}<NUL><subject><NUL><policy>`
 * (in the first subject's hash slot; NUL, which no subject of consumeAll holds, keeps every name distinct).
 *
 * A refusal is remembered (per subject and policy definition, bounded by `denyCacheSize`) with the
 * TATs it reported: until the refused request could pass, any request those TATs refuse is
 * refused here without a round trip. That is exact: no instance can make a TAT earlier, so Redis
 * would refuse it too; a request the remembered TATs would admit still asks Redis.
 *
 * No call waits longer than `timeoutMs` once sent; while the client is not connected calls fail at
 * once instead of queueing. Calls reject with KeygateError `store_unavailable` (or the Redis
 * error); an invalid subject, cost or policy throws `invalid_input` synchronously.
 *
 * @example
 * ```ts
 * import { createRateLimitRedisClient, RedisRateLimiter } from '@keygate/core/redis';
 *
 * const limiter = new RedisRateLimiter({ client: createRateLimitRedisClient(process.env.REDIS_URL) });
 * app.use(apiKeyAuth({ keygate, rateLimit: { limiter, defaults: [{ name: 'burst', limit: 20, windowSeconds: 1 }] } }));
 * ```
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #timeoutError: KeygateError;
  // The client itself fails a command after at most timeoutMs (ioredis `commandTimeout`): no timer of ours needed.
  readonly #clientTimesOut: boolean;
  #ready: Promise<void> | undefined;
  readonly #deny: DenyCache | undefined;
  // The calls of this turn, not sent yet: one batch on a standalone Redis, one per hash slot on a Cluster.
  #batch: RateLimitBatch | undefined;
  #slots = new Map<number, RateLimitBatch>();
  #flushing = false;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: RedisRateLimiterOptions) {
    const { client } = check.object<RedisRateLimiterOptions>(undefined, options, OPTION_NAMES);
    if (typeof client?.defineCommand !== 'function' || typeof client.status !== 'string') {
      check.fail('`client` must be an ioredis Redis or Cluster (see createRateLimitRedisClient()).', 'client');
    }
    const prefix = check.redisKeyPrefix('keyPrefix', options.keyPrefix, 'keygate:rl:');
    const timeoutMs = check.integer('timeoutMs', options.timeoutMs, { min: 1, max: 60_000, default: 100 });
    const denyCacheSize = check.integer('denyCacheSize', options.denyCacheSize, { min: 0, default: 10_000 });
    this.#deny = denyCacheSize > 0 ? new DenyCache(denyCacheSize) : undefined;
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
    return this.#decide(subject, policies, cost, false);
  }

  /** The decision `consume` would make now, counting nothing. */
  check(subject: string, policies: readonly RateLimitPolicy[], cost = 1): Promise<RateLimitDecision> {
    return this.#decide(subject, policies, cost, true);
  }

  /**
   * One decision over several subjects in one script run (see {@link RateLimiter.consumeAll}):
   * counted on every part when every policy admits it, on none otherwise.
   */
  consumeAll(parts: readonly RateLimitPart[], cost = 1): Promise<RateLimitDecision> {
    assertParts(parts);
    if (parts.length === 1)
      return this.consume((parts[0] as RateLimitPart).subject, (parts[0] as RateLimitPart).policies, cost);
    assertCost(cost);
    const first = (parts[0] as RateLimitPart).subject;
    const plans = parts.map((part) => policyPlan(part.policies));
    const plan = linkedPlan(plans);
    if (plan.names.length === 0) return Promise.resolve(EMPTY_DECISION);
    const keys: string[] = [];
    plans.forEach((partPlan: PolicyPlan, i) => {
      const at = i === 0 ? '' : `${this.#prefix}{${first}}\u0000${(parts[i] as RateLimitPart).subject}\u0000`;
      for (const name of partPlan.names) keys.push(i === 0 ? this.keyOf(first, name) : `${at}${name}`);
    });
    // The identity of the call's subjects: JSON holds no raw NUL, so its deny-cache key (subject,
    // NUL, definition) never equals that of a plain call, whose definition is no list of lists.
    const subject = JSON.stringify(parts.map((part) => part.subject));
    return this.#queue(subject, keys, plan, cost, false);
  }

  /** The Redis key holding one policy's TAT for a subject. */
  keyOf(subject: string, policyName: string): string {
    return `${this.#prefix}{${subject}}:${policyName}`;
  }

  #decide(
    subject: string,
    policies: readonly RateLimitPolicy[],
    cost: number,
    dry: boolean,
  ): Promise<RateLimitDecision> {
    assertSubject(subject);
    assertCost(cost);
    const plan = policyPlan(policies);
    if (plan.names.length === 0) return Promise.resolve(EMPTY_DECISION);
    return this.#queue(subject, undefined, plan, cost, dry);
  }

  // Answers from the deny cache when a remembered refusal proves the call refused, else queues it.
  #queue(
    subject: string,
    keys: readonly string[] | undefined,
    plan: PolicyPlan,
    cost: number,
    dry: boolean,
  ): Promise<RateLimitDecision> {
    let denyKey: string | undefined;
    const deny = this.#deny;
    if (deny !== undefined && deny.size > 0) {
      denyKey = denyKeyOf(subject, plan);
      const refusal = deny.refuse(denyKey, plan, cost, performance.now());
      if (refusal !== undefined) return Promise.resolve(refusal);
    }
    return new Promise((resolve, reject) => {
      this.#batchOf(subject, keys).add({
        subject,
        keys,
        plan,
        cost,
        dry,
        denyKey,
        resolve,
        reject,
      });
    });
  }

  // The batch of this turn a call joins (on a Cluster: its keys' hash slot, with `subject`'s tag
  // or that of its linked keys); the first call of a turn schedules the send.
  #batchOf(subject: string, keys: readonly string[] | undefined): RateLimitBatch {
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(this.#flush);
    }
    if (!this.#client.isCluster) {
      this.#batch ??= new RateLimitBatch();
      return this.#batch;
    }
    const slot = keySlot(keys === undefined ? this.keyOf(subject, '') : (keys[0] as string));
    let batch = this.#slots.get(slot);
    if (batch === undefined) {
      batch = new RateLimitBatch();
      this.#slots.set(slot, batch);
    }
    return batch;
  }

  // Sends this turn's batches, each as one script run.
  readonly #flush = (): void => {
    this.#flushing = false;
    // Before anything is sent: the script's TIME is no earlier, which the deny cache relies on.
    const since = performance.now();
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch !== undefined) this.#sendBatch(batch, since);
    if (this.#slots.size > 0) {
      const slots = this.#slots;
      this.#slots = new Map();
      for (const slotBatch of slots.values()) this.#sendBatch(slotBatch, since);
    }
  };

  // Runs the script once for `batch`, within the timeout, and settles its calls.
  #sendBatch(batch: RateLimitBatch, since: number): void {
    const args = batch.args(this.#keyOf);
    const client = this.#client;
    // The common case, kept to one promise: the client's own commandTimeout bounds the wait.
    const reply =
      this.#clientTimesOut && client.status === 'ready'
        ? (client as unknown as GcraClient)[COMMAND](...args)
        : this.#send(args);
    reply.then(
      (value) => {
        try {
          batch.settle(value, since, this.#deny);
        } catch (error) {
          batch.fail(error);
        }
      },
      (error: unknown) => batch.fail(this.#timedOut(error)),
    );
  }

  readonly #keyOf = (subject: string, policyName: string): string => this.keyOf(subject, policyName);

  // ioredis' `Command timed out` becomes the same `store_unavailable` as a timeout of ours.
  #timedOut(error: unknown): unknown {
    return error instanceof Error && error.message === 'Command timed out' ? this.#timeoutError : error;
  }

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
      else void ready.then(send); // #whenReady never rejects
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
