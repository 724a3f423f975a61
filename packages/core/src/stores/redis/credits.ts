import type { Cluster, Redis } from 'ioredis';
import type { CreditState } from '../../credits/allowance.js';
import { KeygateError } from '../../errors.js';
import { creditArgs } from '../credit-args.js';
import type { CreditSpend, CreditStore, CreditTarget } from '../credit-store.js';
import { guardOutage, type OutageGuard } from '../outage.js';
import { decodeCreditState, encodeCreditState } from './credit-codec.js';
import { ADD_CREDITS_SCRIPT, REFILL_CREDITS_SCRIPT, SPEND_CREDITS_SCRIPT } from './credit-scripts.js';
import type { StoreKeys } from './keys.js';
import { runScript } from './scripts.js';

const OUTCOMES: ReadonlySet<unknown> = new Set(['spent', 'insufficient', 'due']);

/**
 * The credit allowances of a RedisStore: one string per allowance in the owner's hash slot (see
 * keys.ts and credit-codec.ts), so a spend from the owner and a key lineage together is one
 * script. Every call is bounded by the store's deadline; what Redis returns is checked.
 */
export class RedisCredits implements CreditStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StoreKeys;
  readonly #guard: OutageGuard;

  /** The store's client, key layout and deadline (RedisStore checks its options first). */
  constructor(client: Redis | Cluster, keys: StoreKeys, guard: OutageGuard) {
    this.#client = client;
    this.#keys = keys;
    this.#guard = guard;
  }

  async getCredits(target: CreditTarget): Promise<CreditState | null> {
    const key = this.#key(target);
    return guardOutage(async () => decodeCreditState(await this.#client.get(key)), this.#guard);
  }

  async setCredits(target: CreditTarget, state: CreditState | null): Promise<void> {
    const key = this.#key(target);
    const value = state === null ? null : encodeCreditState(state);
    return guardOutage(async () => {
      if (value === null) await this.#client.del(key);
      else await this.#client.set(key, value);
    }, this.#guard);
  }

  async addCredits(target: CreditTarget, delta: number): Promise<CreditState | null> {
    const key = this.#key(target);
    const args = [String(creditArgs.delta(delta))];
    return guardOutage(
      async () => decodeCreditState(await runScript(this.#client, ADD_CREDITS_SCRIPT, [key], args)),
      this.#guard,
    );
  }

  async spendCredits(owner: string, lineage: string | undefined, cost: number, now: number): Promise<CreditSpend> {
    const keys = [this.#key({ owner })];
    if (lineage !== undefined) keys.push(this.#key({ owner, lineage }));
    const args = [String(creditArgs.cost(cost)), String(creditArgs.instant(now, 'now'))];
    return guardOutage(async () => {
      const reply = await runScript(this.#client, SPEND_CREDITS_SCRIPT, keys, args);
      if (!Array.isArray(reply) || reply.length !== 3 || !OUTCOMES.has(reply[0])) {
        // A value the script could not read: decoding it throws store_unavailable.
        if (Array.isArray(reply) && reply[0] === 'malformed') decodeCreditState(reply[1]);
        throw unexpectedReply();
      }
      const [outcome, ownerState, keyState] = reply as [CreditSpend['outcome'], unknown, unknown];
      return { outcome, owner: decodeCreditState(ownerState), key: decodeCreditState(keyState) };
    }, this.#guard);
  }

  async refillCredits(target: CreditTarget, dueAt: number, next: number): Promise<CreditState | null> {
    const key = this.#key(target);
    const args = [String(creditArgs.instant(dueAt, 'dueAt')), String(creditArgs.instant(next, 'next'))];
    return guardOutage(
      async () => decodeCreditState(await runScript(this.#client, REFILL_CREDITS_SCRIPT, [key], args)),
      this.#guard,
    );
  }

  // The Redis key of an allowance; throws `invalid_input` for a target that is not one.
  #key(target: CreditTarget): string {
    const { owner, lineage } = creditArgs.target(target);
    return this.#keys.credits(owner, lineage);
  }
}

function unexpectedReply(): KeygateError {
  return new KeygateError('store_unavailable', 'The Redis key store gave an unexpected reply.');
}
