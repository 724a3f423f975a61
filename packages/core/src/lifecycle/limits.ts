// Validation of the per-key access limits a caller sets: rate-limit policies and the IP allowlist.
import { KeygateError } from '../errors.js';
import { normaliseIpEntry } from '../key/ip.js';
import type { RateLimitPolicy } from '../key/record.js';
import { isSafeToEcho, quoteSafely } from '../key/redaction.js';
import { MAX_LIMIT, MAX_WINDOW_SECONDS } from '../rate-limit/limiter.js';

/** Most rate-limit policies one key may have. */
export const MAX_KEY_RATE_LIMITS = 8;
/** Most entries of one key's IP allowlist. */
export const MAX_ALLOWED_IPS = 64;

const POLICY_NAME_RE = /^[a-z0-9_-]{1,32}$/;

/**
 * Validates per-key rate limits: at most 8 policies, names `[a-z0-9_-]{1,32}` unique within the
 * list, integer `limit` and `windowSeconds` of at least 1. Null stays null (the defaults apply).
 */
export function checkRateLimits(value: unknown): RateLimitPolicy[] | null {
  if (value === null) return null;
  if (!Array.isArray(value) || value.length > MAX_KEY_RATE_LIMITS) {
    throw invalid('rateLimits', `rateLimits must be an array of at most ${MAX_KEY_RATE_LIMITS} policies.`);
  }
  const names = new Set<string>();
  return value.map((policy: unknown, i) => {
    const at = `rateLimits[${i}]`;
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
      throw invalid(at, `${at} must be an object { name, limit, windowSeconds }.`);
    }
    const { name, limit, windowSeconds, ...rest } = policy as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) {
      const field = isSafeToEcho(extra) ? `${at}.${extra}` : at;
      throw invalid(field, `${at} has an unknown field: ${quoteSafely(extra, '(name not shown)')}.`);
    }
    if (typeof name !== 'string' || !POLICY_NAME_RE.test(name)) {
      throw invalid(`${at}.name`, `${at}.name must be 1-32 characters of a-z, 0-9, '_' or '-'.`);
    }
    if (names.has(name)) throw invalid(`${at}.name`, `${at}.name repeats the policy name "${name}".`);
    names.add(name);
    return {
      name,
      limit: integer(`${at}.limit`, limit, MAX_LIMIT),
      windowSeconds: integer(`${at}.windowSeconds`, windowSeconds, MAX_WINDOW_SECONDS),
    };
  });
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

function integer(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(field, `${field} must be an integer from 1 to ${max}.`);
  }
  return value;
}

function invalid(field: string, message: string): KeygateError {
  return new KeygateError('invalid_input', message, { field });
}
