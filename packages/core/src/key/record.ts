/** A JSON value, as key metadata holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One named rate limit: at most `limit` requests per `windowSeconds`, with bursts up to `limit`. */
export interface RateLimitPolicy {
  /** Policy name, shown in RateLimit headers (e.g. `burst`, `daily`). */
  name: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds. */
  windowSeconds: number;
}

/** What a store keeps about one key. Never holds the plaintext key; `hash` never leaves core. */
export interface KeyRecord {
  /** Public key id (the middle part of the key), unique. */
  id: string;
  /** The key's prefix, e.g. `sk_live`. */
  prefix: string;
  /** Self-describing hash of the secret (see {@link Hasher}). */
  hash: string;
  /** Human-readable name. */
  name: string;
  /** Who the key belongs to (a user, team or account id of the application). */
  owner: string;
  /** Granted scopes, e.g. `users:read` or `users:*`. */
  scopes: string[];
  /** Application data attached to the key. */
  metadata: { [key: string]: JsonValue };
  /** When the key was created. */
  createdAt: Date;
  /** When the key stops working, or null for never. */
  expiresAt: Date | null;
  /** When the key was revoked, or null while it is not. */
  revokedAt: Date | null;
  /**
   * When the key was disabled, or null while it is enabled. Unlike a revocation it can be undone
   * (`keys.enable`). A disabled key does not authenticate but still counts as active against the
   * owner's cap, so disabling and enabling cannot get round it.
   */
  disabledAt: Date | null;
  /** Last successful verification, written at most once per `lastUsed.intervalMs`; null when never used (or not tracked). */
  lastUsedAt: Date | null;
  /** Per-key rate limits replacing the configured defaults, or null to use the defaults. */
  rateLimits: RateLimitPolicy[] | null;
  /** IPv4/IPv6 addresses and CIDR ranges the key may be used from, or null for anywhere. */
  allowedIps: string[] | null;
  /** Id of the key that replaced this one by rotation, or null. */
  replacedBy: string | null;
  /**
   * Id of the first key of this key's rotation chain: its own id, unless it replaced another key
   * by rotation. Rate limits count per lineage, so a rotated key continues its predecessor's counters.
   */
  lineage: string;
  /**
   * Bumped by every lifecycle change (update, revoke, disable, enable, rotation), not by last-used or re-hash
   * writes. Lifecycle writes are conditional on it, so two instances changing one key at once
   * cannot both succeed.
   */
  version: number;
}

/** The public view of a key, attached to authenticated requests: the record without its hash, deeply frozen. */
export type ApiKey = Readonly<Omit<KeyRecord, 'hash' | 'scopes' | 'metadata'>> & {
  readonly scopes: readonly string[];
  readonly metadata: { readonly [key: string]: JsonValue };
  /** The environment of the key's prefix (the instance's `environments` option), or null without one. */
  readonly environment: string | null;
};

/** Fields of a record that can change after creation. */
export type KeyRecordPatch = Partial<
  Pick<
    KeyRecord,
    | 'hash'
    | 'name'
    | 'scopes'
    | 'metadata'
    | 'expiresAt'
    | 'revokedAt'
    | 'disabledAt'
    | 'lastUsedAt'
    | 'rateLimits'
    | 'allowedIps'
    | 'replacedBy'
    | 'version'
  >
>;
