import type { Pool, PoolClient } from 'pg';
import { type CreditState, checkCreditState } from '../../credits/allowance.js';
import { KeygateError } from '../../errors.js';
import { checkCreditArg, creditArgs } from '../credit-args.js';
import type { CreditSpend, CreditStore, CreditTarget } from '../credit-store.js';
import { guardOutage, type OutageGuard } from '../outage.js';
import { type CreditRow, type CreditStatements, creditStatements, OWNER_LINEAGE } from './credit-statements.js';
import type { TableName } from './identifiers.js';
import { withConnection } from './transaction.js';

const OUTCOMES: ReadonlySet<unknown> = new Set(['spent', 'insufficient', 'due']);
const BIGINT_RE = /^-?\d{1,16}$/;

/**
 * The credit allowances of a PostgresStore, in its credits table (see credit-statements.ts): each
 * method is one statement on a connection of its own, within the store's deadline; every row read
 * is checked (odd values fail closed with `store_unavailable`).
 */
export class PostgresCredits implements CreditStore {
  readonly #pool: Pool;
  readonly #guard: OutageGuard;
  readonly #sql: CreditStatements;

  /** The store's pool, deadline and (validated) table name (PostgresStore checks its options first). */
  constructor(pool: Pool, guard: OutageGuard, name: TableName) {
    this.#pool = pool;
    this.#guard = guard;
    this.#sql = creditStatements(name);
  }

  async getCredits(target: CreditTarget): Promise<CreditState | null> {
    const params = targetParams(target);
    return this.#run(async (client) => rowState((await client.query<CreditRow>(this.#sql.get, params)).rows[0]));
  }

  async setCredits(target: CreditTarget, state: CreditState | null): Promise<void> {
    const params = targetParams(target);
    if (state === null) {
      await this.#run((client) => client.query(this.#sql.remove, params));
      return;
    }
    const { remaining, refill, refillAt } = checkCreditArg(state);
    const plan = refill === null ? [null, null, null] : [refill.amount, String(refill.interval), refill.at ?? 0];
    await this.#run((client) => client.query(this.#sql.set, [...params, remaining, ...plan, refillAt]));
  }

  async addCredits(target: CreditTarget, delta: number): Promise<CreditState | null> {
    const params = [...targetParams(target), creditArgs.delta(delta)];
    return this.#run(async (client) => rowState((await client.query<CreditRow>(this.#sql.add, params)).rows[0]));
  }

  async spendCredits(owner: string, lineage: string | undefined, cost: number, now: number): Promise<CreditSpend> {
    const params = [...targetParams({ owner, lineage }), creditArgs.cost(cost), creditArgs.instant(now, 'now')];
    return this.#run(async (client) => {
      const { rows } = await client.query<CreditRow & { outcome: unknown }>(this.#sql.spend, params);
      const outcome = rows[0]?.outcome;
      if (!OUTCOMES.has(outcome) || rows.length > 2) throw unexpectedReply();
      let ownerState: CreditState | null = null;
      let keyState: CreditState | null = null;
      for (const row of rows) {
        if (row.lineage === null) continue; // neither allowance exists
        if (row.lineage === OWNER_LINEAGE) ownerState = rowState(row);
        else if (row.lineage === lineage) keyState = rowState(row);
        else throw unexpectedReply();
      }
      return { outcome: outcome as CreditSpend['outcome'], owner: ownerState, key: keyState };
    });
  }

  async refillCredits(target: CreditTarget, dueAt: number, next: number): Promise<CreditState | null> {
    const params = [...targetParams(target), creditArgs.instant(dueAt, 'dueAt'), creditArgs.instant(next, 'next')];
    return this.#run(async (client) => rowState((await client.query<CreditRow>(this.#sql.refill, params)).rows[0]));
  }

  #run<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return guardOutage((deadline) => withConnection(this.#pool, deadline, work), this.#guard);
  }
}

// Owner and lineage as parameters $1, $2; throws `invalid_input` for a target that is not one.
function targetParams(target: CreditTarget): [string, string] {
  const { owner, lineage } = creditArgs.target(target);
  return [owner, lineage ?? OWNER_LINEAGE];
}

// The allowance in a row (null for none), checked: anything odd throws `store_unavailable`.
function rowState(row: CreditRow | undefined): CreditState | null {
  if (row === undefined) return null;
  const interval = row.refill_interval;
  return checkCreditState({
    remaining: bigint(row.remaining),
    refill:
      row.refill_amount === null
        ? null
        : {
            amount: bigint(row.refill_amount),
            interval: interval === 'day' || interval === 'month' || interval === null ? interval : bigint(interval),
            at: bigint(row.refill_anchor),
          },
    refillAt: row.refill_at === null ? null : bigint(row.refill_at),
  });
}

// A bigint as pg returns it (a decimal string) as a number; anything else as NaN, which the check refuses.
function bigint(value: unknown): number {
  return typeof value === 'string' && BIGINT_RE.test(value) ? Number(value) : Number.NaN;
}

function unexpectedReply(): KeygateError {
  return new KeygateError('store_unavailable', 'The PostgreSQL key store gave an unexpected reply.');
}
