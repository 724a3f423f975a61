// Spending credits for a request, and refilling allowances as they fall due: the store spends
// atomically (both allowances or neither, see CreditStore); this ledger refills an allowance the
// store reports due (by compare-and-set, so one instance refills it once) and then spends again,
// and tells the application through events.
import { KeygateError } from '../errors.js';
import type { AuditEvent, AuditEventType, AuditListener, RequestContext } from '../events.js';
import type { CreditStore, CreditTarget } from '../stores/credit-store.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';
import { type CreditState, nextRefill } from './allowance.js';

/** One allowance that applies to a request, as it is after the spend (or the refusal). */
export interface AppliedAllowance {
  /** `owner`: shared by every key of the owner; `key`: the key lineage's own. */
  readonly allowance: 'owner' | 'key';
  readonly state: CreditState;
}

/** What spending a request's cost came to. */
export type SpendResult =
  | { readonly ok: true; readonly applied: readonly AppliedAllowance[] }
  | {
      readonly ok: false;
      /** `insufficient`: an allowance holds less than the cost; `missing`: none applies and `whenMissing` is `refuse`. */
      readonly reason: 'insufficient' | 'missing';
      readonly applied: readonly AppliedAllowance[];
      /** The allowance that refused (the one with fewest credits), when one did. */
      readonly refusedBy: AppliedAllowance | undefined;
    };

/** The key a request spends for: its owner and lineage. */
export interface Spender {
  readonly id: string;
  readonly owner: string;
  readonly lineage: string;
}

/** The ledger's settings, resolved from createKeygate's `credits` option. */
export interface LedgerConfig {
  readonly store: CreditStore;
  readonly now: () => number;
  readonly emit: AuditListener | undefined;
  readonly lowThreshold: number;
  readonly whenMissing: 'allow' | 'refuse';
  /** The `telemetry` option of createKeygate: told of the credits spent. */
  readonly telemetry?: KeygateTelemetry | undefined;
}

// A spend meets a due refill at most once per allowance; a third answer of `due` means the
// store's refill instants do not move (a clock or a store fault): fail closed.
const MAX_ATTEMPTS = 3;

/** Spends `cost` credits for a request of `key`; rejects `store_unavailable` when the store cannot answer. */
export async function spendCredits(
  config: LedgerConfig,
  key: Spender,
  cost: number,
  context: RequestContext,
): Promise<SpendResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = config.now();
    const spend = await config.store.spendCredits(key.owner, key.lineage, cost, now);
    const applied = appliedOf(spend.owner, spend.key);
    if (spend.outcome === 'due') {
      await refillDue(config, key, applied, now, context);
      continue;
    }
    if (spend.outcome === 'spent') {
      if (applied.length === 0 && config.whenMissing === 'refuse') {
        return { ok: false, reason: 'missing', applied, refusedBy: undefined };
      }
      for (const one of applied) {
        announceSpend(config, key, one, cost, context);
        config.telemetry?.creditsSpent(one.allowance, cost);
      }
      return { ok: true, applied };
    }
    const refusedBy = applied.filter((one) => one.state.remaining < cost).sort(byRemaining)[0];
    if (refusedBy !== undefined) emit(config, 'credits_exhausted', key, refusedBy, context, cost);
    return { ok: false, reason: 'insufficient', applied, refusedBy };
  }
  throw new KeygateError('store_unavailable', 'keygate: a credit allowance stays due for a refill; check the clock.');
}

/**
 * Refills `target`'s allowance when due at `now` (by compare-and-set: once, whichever instance
 * gets there first), telling the application; returns the allowance as it is after.
 */
export async function refillIfDue(
  config: LedgerConfig,
  target: CreditTarget,
  state: CreditState | null,
  now: number,
  context: RequestContext,
  keyId: string | null,
): Promise<CreditState | null> {
  if (state === null || state.refill === null || state.refillAt === null || state.refillAt > now) return state;
  const after = await config.store.refillCredits(target, state.refillAt, nextRefill(state.refill, now));
  if (after !== null && after.refillAt !== state.refillAt) {
    const allowance = target.lineage === undefined ? 'owner' : 'key';
    emit(config, 'refilled', { id: keyId, owner: target.owner }, { allowance, state: after }, context);
  }
  return after;
}

async function refillDue(
  config: LedgerConfig,
  key: Spender,
  applied: readonly AppliedAllowance[],
  now: number,
  context: RequestContext,
): Promise<void> {
  for (const { allowance, state } of applied) {
    const target = { owner: key.owner, lineage: allowance === 'key' ? key.lineage : undefined };
    await refillIfDue(config, target, state, now, context, key.id);
  }
}

// `credits_low` when a spend takes an allowance to the threshold or under it; `credits_exhausted` when to 0.
function announceSpend(
  config: LedgerConfig,
  key: Spender,
  one: AppliedAllowance,
  cost: number,
  context: RequestContext,
): void {
  const after = one.state.remaining;
  const before = after + cost;
  if (after === 0 && before > 0) emit(config, 'credits_exhausted', key, one, context, cost);
  else if (after <= config.lowThreshold && before > config.lowThreshold) {
    emit(config, 'credits_low', key, one, context, cost);
  }
}

function emit(
  config: LedgerConfig,
  type: AuditEventType,
  key: { readonly id: string | null; readonly owner: string },
  { allowance, state }: AppliedAllowance,
  context: RequestContext,
  cost?: number,
): void {
  const listener = config.emit;
  if (listener === undefined) return;
  const event: AuditEvent = {
    type,
    time: new Date(config.now()),
    keyId: key.id,
    owner: key.owner,
    route: context.route,
    ip: context.ip,
    userAgent: context.userAgent,
    credits: Object.freeze({
      allowance,
      remaining: state.remaining,
      refillAt: state.refillAt === null ? null : new Date(state.refillAt),
      ...(cost === undefined ? {} : { cost }),
    }),
  };
  listener(Object.freeze(event));
}

function appliedOf(owner: CreditState | null, key: CreditState | null): AppliedAllowance[] {
  const applied: AppliedAllowance[] = [];
  if (owner !== null) applied.push({ allowance: 'owner', state: owner });
  if (key !== null) applied.push({ allowance: 'key', state: key });
  return applied;
}

function byRemaining(a: AppliedAllowance, b: AppliedAllowance): number {
  return a.state.remaining - b.state.remaining;
}
