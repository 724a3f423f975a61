/**
 * The attribute names of keygate's spans and metrics, all under `keygate.`. None of them ever
 * holds a key, its secret or its hash; `key.id` and `key.owner` go on spans only, never on metrics.
 */
export const ATTRIBUTES = Object.freeze({
  /** The key's public id (spans only). */
  keyId: 'keygate.key.id',
  /** The key's owner, once its secret is verified (spans only). */
  owner: 'keygate.key.owner',
  /** `verified`, `failed` or `rate_limited`. */
  outcome: 'keygate.outcome',
  /** Why a failed authentication failed (e.g. `invalid`, `expired`, `busy`). */
  reason: 'keygate.reason',
  /** `hit` or `miss`: whether the verified-key cache had the presented key. */
  cache: 'keygate.cache',
  /** `allowed`, `limited` or `unavailable`: the rate-limit step's decision. */
  rateLimit: 'keygate.rate_limit.decision',
  /** The store that could not answer: `keys`, `rate_limit` or `credits`. */
  store: 'keygate.store',
  /** The allowance credits were spent from: `owner` or `key`. */
  allowance: 'keygate.credits.allowance',
  /** Credits a request spent (spans only). */
  creditsSpent: 'keygate.credits.spent',
});
