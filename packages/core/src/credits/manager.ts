// keygate.credits: reading and changing allowances, by the application or on behalf of a key (the
// management routes). An acting key sees only keys within its powers, never changes its own
// allowance or its owner's, and never gives more than it has (exceedsCredits).
import { KeygateError } from '../errors.js';
import { NO_REQUEST, type RequestContext } from '../events.js';
import { exceedsCredits } from '../lifecycle/delegation.js';
import type { Actor } from '../lifecycle/manager-support.js';
import type { CreditTarget } from '../stores/credit-store.js';
import { type CreditRefill, type CreditState, checkCreditCount, checkRefill, nextRefill } from './allowance.js';
import { type LedgerConfig, refillIfDue } from './ledger.js';

/** Whose allowance: an owner's (`{ owner }`, shared by its keys) or one key's (`{ keyId }`, kept across rotations). */
export type CreditsOf = { readonly owner: string } | { readonly keyId: string };

/** An allowance as keygate shows it. */
export interface Credits {
  /** Units left. */
  readonly remaining: number;
  /** How it refills, or null. */
  readonly refill: CreditRefill | null;
  /** When it next refills, or null without a refill. */
  readonly refillAt: Date | null;
}

/** What {@link CreditManager.set} takes: units now, and an optional refill plan. */
export interface CreditsInput {
  readonly remaining: number;
  readonly refill?: CreditRefill | null;
}

/** Options of every CreditManager call. */
export interface CreditCallOptions {
  /** Act on behalf of this key: bounded by the delegation rule (see exceedsCredits). Default: the application itself. */
  readonly actor?: Actor | undefined;
  /** The request behind the call, for events. */
  readonly context?: RequestContext | undefined;
}

/** Finds the key behind a `{ keyId }` target, within an actor's sight (null when unknown to it). */
export type KeyLookup = (
  id: string,
  actor: Actor | undefined,
) => Promise<{ readonly owner: string; readonly lineage: string; readonly id: string } | null>;

/**
 * Credit allowances: `keygate.credits`. A request spends from its owner's allowance and from its
 * key's own, when they have one (`requireCredits` in the adapters).
 *
 * @example
 * ```ts
 * await keygate.credits.set({ owner: 'team_42' }, { remaining: 10_000, refill: { amount: 10_000, interval: 'month' } });
 * await keygate.credits.add({ keyId: apiKey.id }, 500);
 * const { remaining, refillAt } = (await keygate.credits.get({ owner: 'team_42' })) ?? {};
 * ```
 */
export class CreditManager {
  readonly #ledger: LedgerConfig;
  readonly #lookup: KeyLookup;

  constructor(ledger: LedgerConfig, lookup: KeyLookup) {
    this.#ledger = ledger;
    this.#lookup = lookup;
  }

  /** The allowance of `of` (refilled first when due), or null when it has none. Throws `not_found` for an unknown key. */
  async get(of: CreditsOf, options: CreditCallOptions = {}): Promise<Credits | null> {
    const { target, keyId } = await this.#target(of, options.actor, false);
    return shown(await this.#current(target, keyId, options.context));
  }

  /**
   * Replaces the allowance of `of` (null: no longer metered). An actor may give no more than it
   * has, and may not change an allowance larger than its own.
   */
  async set(of: CreditsOf, input: CreditsInput | null, options: CreditCallOptions = {}): Promise<Credits | null> {
    const { target, keyId } = await this.#target(of, options.actor, true);
    const state = input === null ? null : this.#stateOf(input);
    if (options.actor !== undefined)
      await this.#assertWithin(options.actor, target, keyId, options.context, () => state);
    await this.#ledger.store.setCredits(target, state);
    return shown(state);
  }

  /** Adds `amount` (negative takes away; the result is clamped at 0). Throws `not_found` when `of` has no allowance. */
  async add(of: CreditsOf, amount: number, options: CreditCallOptions = {}): Promise<Credits> {
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
      throw new KeygateError('invalid_input', 'keygate: credits `amount` must be an integer.', { field: 'amount' });
    }
    checkCreditCount(Math.abs(amount), 'amount');
    const { target, keyId } = await this.#target(of, options.actor, true);
    if (options.actor !== undefined) {
      await this.#assertWithin(options.actor, target, keyId, options.context, (current) => {
        if (current === null) throw noAllowance();
        return { ...current, remaining: Math.max(current.remaining + amount, 0) };
      });
    }
    const state = await this.#ledger.store.addCredits(target, amount);
    if (state === null) throw noAllowance();
    return shown(state) as Credits;
  }

  // The store's target of `of`; for a key, as the actor may see it. An actor may not change its
  // own allowance or its owner's: those are what it has.
  async #target(
    of: CreditsOf,
    actor: Actor | undefined,
    change: boolean,
  ): Promise<{ target: CreditTarget; keyId: string | null }> {
    if (typeof of !== 'object' || of === null) throw badTarget();
    if ('keyId' in of && typeof of.keyId === 'string') {
      const key = await this.#lookup(of.keyId, actor);
      if (key === null) throw new KeygateError('not_found', 'No key with that id.');
      if (change && actor !== undefined && key.lineage === actor.key.lineage) throw ownAllowance();
      return { target: { owner: key.owner, lineage: key.lineage }, keyId: key.id };
    }
    if ('owner' in of && typeof of.owner === 'string' && of.owner.length > 0) {
      if (actor !== undefined && of.owner !== actor.key.owner) throw new KeygateError('not_found', 'No such owner.');
      if (change && actor !== undefined) throw ownAllowance();
      return { target: { owner: of.owner }, keyId: null };
    }
    throw badTarget();
  }

  // An acting key changes only an allowance within what it has (a key with none may be capped),
  // into one within what it has; removing one unmeters the key, which only an unmetered actor may.
  async #assertWithin(
    actor: Actor,
    target: CreditTarget,
    keyId: string | null,
    context: RequestContext | undefined,
    after: (current: CreditState | null) => CreditState | null,
  ): Promise<void> {
    const held = await this.#held(actor);
    const current = await this.#current(target, keyId, context);
    if (current !== null && exceedsCredits(held, current)) throw beyond();
    const next = after(current);
    if (next === null ? held.length > 0 : exceedsCredits(held, next)) throw beyond();
  }

  // The allowances the actor spends from, as they are now.
  async #held(actor: Actor): Promise<CreditState[]> {
    const { owner, lineage, id } = actor.key;
    const states = [
      await this.#current({ owner }, id, undefined),
      await this.#current({ owner, lineage }, id, undefined),
    ];
    return states.filter((state): state is CreditState => state !== null);
  }

  async #current(target: CreditTarget, keyId: string | null, context: RequestContext | undefined) {
    const state = await this.#ledger.store.getCredits(target);
    return refillIfDue(this.#ledger, target, state, this.#ledger.now(), context ?? NO_REQUEST, keyId);
  }

  #stateOf(input: CreditsInput): CreditState {
    if (typeof input !== 'object' || input === null) {
      throw new KeygateError('invalid_input', 'keygate: credits must be { remaining, refill? } or null.');
    }
    const remaining = checkCreditCount(input.remaining, 'remaining');
    const refill = input.refill === undefined || input.refill === null ? null : checkRefill(input.refill, 'refill');
    return Object.freeze({
      remaining,
      refill,
      refillAt: refill === null ? null : nextRefill(refill, this.#ledger.now()),
    });
  }
}

/** An allowance as shown to callers (Dates, frozen), or null. */
export function shown(state: CreditState | null): Credits | null {
  if (state === null) return null;
  return Object.freeze({
    remaining: state.remaining,
    refill: state.refill,
    refillAt: state.refillAt === null ? null : new Date(state.refillAt),
  });
}

function beyond(): KeygateError {
  return new KeygateError('forbidden', 'The acting key cannot give more credits than it has.', { field: 'credits' });
}

function ownAllowance(): KeygateError {
  return new KeygateError('forbidden', "A key cannot change its own allowance or its owner's.", { field: 'credits' });
}

function noAllowance(): KeygateError {
  return new KeygateError('not_found', 'No credit allowance is set there; set one first.');
}

function badTarget(): KeygateError {
  return new KeygateError('invalid_input', 'keygate: credits take { owner } or { keyId }.', { field: 'target' });
}
