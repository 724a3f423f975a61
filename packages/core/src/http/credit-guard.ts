import { spendCredits } from '../credits/ledger.js';
import { isKeygateError, KeygateError } from '../errors.js';
import { NO_REQUEST } from '../events.js';
import { MAX_LIMIT } from '../key/rate-limit-policy.js';
import type { ApiKey } from '../key/record.js';
import type { Keygate } from '../keygate/instance.js';
import { runtimeOf } from '../keygate/instance.js';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { RequestAccessors } from './credentials.js';
import { creditHeaders, creditsExhaustedProblem } from './credit-response.js';
import { resolveRealm } from './options.js';
import { authProblems, INTERNAL_ERROR, type ProblemResponse, unavailableProblem } from './problem.js';
import { requestContext } from './request-events.js';

/** How many credits a route costs: a whole number, or one computed from the request (0 costs nothing). */
export type CreditCost<Req> = number | ((request: Req) => number);

/** Options of a credit guard (`requireCredits` in the adapters). */
export interface CreditGuardOptions {
  /** The instance whose allowances (`keygate.credits`) pay for the route. */
  keygate: Keygate;
  /** Realm of the challenge, as given to the authentication middleware. Default `api`. */
  realm?: string;
  /** Told why a request got 500 or 503 (a cost function that threw, a store failure). Default: `console.error`. Never given a key. */
  onError?: (error: unknown) => void;
}

/** What a credit guard answers: headers describing the allowances to set on the response, or the refusal to send. */
export type CreditGuardResult =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> | undefined }
  | { readonly ok: false; readonly response: ProblemResponse };

/** Spends a route's cost for the key attached to a request. Never rejects. */
export type CreditGuard<Req> = (key: ApiKey | null | undefined, request: Req) => Promise<CreditGuardResult>;

const check: OptionChecks = optionChecks('requireCredits()');
const CREDIT_GUARD_OPTION_NAMES = optionNames<CreditGuardOptions>({ keygate: true, realm: true, onError: true });
const FREE: CreditGuardResult = Object.freeze({ ok: true, headers: undefined });
const STORE_DOWN: CreditGuardResult = Object.freeze({ ok: false, response: unavailableProblem(1) });
const FAILED: CreditGuardResult = Object.freeze({ ok: false, response: INTERNAL_ERROR });

/**
 * Builds a guard that spends `cost` credits from the allowances of the request's key (its owner's
 * and its own, both or neither: see `keygate.credits`). A request with no key gets 401; one its
 * allowance cannot pay gets 429 `quota-exceeded` naming the allowance; a store that cannot answer
 * gets 503, a cost function that throws or returns anything but a whole number 500: a metered
 * route never serves for free by accident.
 *
 * @example
 * ```ts
 * const guard = createCreditGuard((req) => (req.query.size === 'large' ? 10 : 1), { keygate }, accessors);
 * const result = await guard(req.apiKey, req); // { ok: true, headers } or { ok: false, response }
 * ```
 */
export function createCreditGuard<Req>(
  cost: CreditCost<Req>,
  options: CreditGuardOptions,
  accessors: RequestAccessors<Req>,
): CreditGuard<Req> {
  if (typeof cost !== 'function' && !isCost(cost)) {
    check.fail(`takes a whole number of credits from 0 to ${MAX_LIMIT}, or a function of the request returning one.`);
  }
  check.object(undefined, options, CREDIT_GUARD_OPTION_NAMES);
  const runtime = runtimeOf(options.keygate);
  const missing = authProblems(resolveRealm(options.realm, check)).missing;
  const refused: CreditGuardResult = Object.freeze({ ok: false, response: missing });
  const costOf = typeof cost === 'function' ? cost : () => cost;
  const onError = check.function('onError', options.onError, (error: unknown) =>
    console.error('keygate: a route that costs credits failed', error),
  );
  // Events are the only reader of the request's context: without a listener, none is built.
  const contextOf =
    runtime.emit === undefined ? () => NO_REQUEST : (request: Req) => requestContext(request, accessors);

  return async (key, request) => {
    if (!key) return refused;
    let units: unknown;
    try {
      units = costOf(request);
    } catch (error) {
      onError(error);
      return FAILED;
    }
    if (!isCost(units)) {
      onError(
        new KeygateError('invalid_input', 'keygate: a route cost must be a whole number of credits from 0 to 10^9.'),
      );
      return FAILED;
    }
    if (units === 0) return FREE;
    try {
      const result = await spendCredits(runtime.credits, key, units, contextOf(request));
      const now = runtime.now();
      if (!result.ok)
        return { ok: false, response: creditsExhaustedProblem(result.refusedBy, result.applied, units, now) };
      const headers = creditHeaders(result.applied, now);
      return { ok: true, headers: 'ratelimit' in headers ? headers : undefined };
    } catch (error) {
      onError(error);
      if (!isKeygateError(error, 'store_unavailable')) return FAILED;
      runtime.telemetry?.storeUnavailable('credits');
      return STORE_DOWN;
    }
  };
}

// A cost: a whole number of credits from 0 to 10^9.
function isCost(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_LIMIT;
}
