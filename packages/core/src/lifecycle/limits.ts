// Validation of the per-key access limits a caller sets: rate-limit policies and the IP allowlist.
import { KeygateError } from '../errors.js';
import { normaliseIpEntry } from '../key/ip.js';
import { checkPolicies } from '../key/rate-limit-policy.js';
import type { RateLimitPolicy } from '../key/record.js';

/** Most rate-limit policies one key may have. */
export const MAX_KEY_RATE_LIMITS = 8;
/** Most entries of one key's IP allowlist. */
export const MAX_ALLOWED_IPS = 64;

/** Validates per-key rate limits: at most 8 policies, by the one policy rule (checkPolicies). Null stays null (the defaults apply). */
export function checkRateLimits(value: unknown): RateLimitPolicy[] | null {
  if (value === null) return null;
  return [
    ...checkPolicies(
      value,
      'rateLimits',
      (field, problem) => invalid(field, `${field} ${problem}.`),
      MAX_KEY_RATE_LIMITS,
    ),
  ];
}

/**
 * Validates and normalises an IP allowlist: at most 64 IPv4/IPv6 addresses or CIDR ranges,
 * written canonically (see normaliseIpEntry), duplicates dropped. Null stays null (any address).
 */
export function checkAllowedIps(value: unknown): string[] | null {
  if (value === null) return null;
  if (!Array.isArray(value) || value.length > MAX_ALLOWED_IPS) {
    throw invalid('allowedIps', `allowedIps must be an array of at most ${MAX_ALLOWED_IPS} addresses or CIDR ranges.`);
  }
  const entries = value.map((entry: unknown, i) => {
    const normalised = typeof entry === 'string' && entry.length <= 64 ? normaliseIpEntry(entry) : undefined;
    if (normalised === undefined) {
      throw invalid(
        `allowedIps[${i}]`,
        `allowedIps[${i}] must be an IPv4 or IPv6 address or CIDR range (e.g. "203.0.113.7", "10.0.0.0/8", "2001:db8::/32").`,
      );
    }
    return normalised;
  });
  return [...new Set(entries)];
}

function invalid(field: string, message: string): KeygateError {
  return new KeygateError('invalid_input', message, { field });
}
