// Key layout of RedisStore, chosen so that it works unchanged on Redis Cluster.
//
// The cap on active keys per owner must be checked and applied in one atomic step, so everything
// that step reads or writes lives in ONE hash slot, that of the owner:
//   {prefix}{<owner tag>}:key:<id>    hash: the record (see store-codec.ts)
//   {prefix}{<owner tag>}:keys        sorted set: every key id of the owner, scored by createdAt (epoch ms)
//   {prefix}{<owner tag>}:live        sorted set: ids of the owner's keys that are not revoked, scored by createdAt
//   {prefix}{<owner tag>}:expiring    sorted set: ids of not revoked keys with an expiry, scored by expiresAt
//   {prefix}{<owner tag>}:credits     string: the owner's credit allowance (see credit-codec.ts)
//   {prefix}{<owner tag>}:credits:<lineage>  string: the allowance of one key lineage of the owner
// The last two make the owner's active keys at an instant `at` cheap to count (ZCARD live minus
// ZCOUNT expiring -inf..at: a key expiring exactly at `at` is expired) and to list, however many
// revoked keys the owner has. Every script that writes a record brings the three sets in line with
// the record it wrote (one shared Lua function, see store-lua.ts).
// findById and update only know the id, so a one-key pointer, in whatever slot its name hashes to,
// gives the owner (which never changes):
//   {prefix}id:<id>                   string: the owner
// The pointer is written first, with SET NX: it is what makes ids unique across owners and slots.
// Then a script in the owner's slot checks for a duplicate, counts active keys and writes the
// record and the index entries together. If the script refuses the key, the pointer is deleted again.
// A pointer without a record (a create that died between the two steps, or one still running)
// reads as "no such key"; the id stays reserved, which costs nothing with 71-bit random ids.
//
// The alternative, records keyed by id with the owner index elsewhere, would have to copy each
// key's revocation and expiry into the owner's slot for the cap check, and a crash between the two
// writes would leave that copy wrong, so the cap would over- or under-count for good. Here the only
// cross-slot state is the immutable pointer, at the cost of a second round trip in findById and update.
//
// A spend takes from the owner's allowance and a key lineage's together, so both sit in the
// owner's slot too: one script spends from both atomically (credit-scripts.ts).
//
// The searches across owners (findExpiring, findUnused) have two indexes of their own, in a slot of
// their own, written after each record write and checked against the records: see find.ts.

/** The Redis keys of one store. */
export interface StoreKeys {
  /** Id → owner pointer. */
  pointer(id: string): string;
  /** The record of one key of this owner. */
  record(owner: string, id: string): string;
  /** What `record(owner, id)` starts with; scripts append ids to it. */
  recordBase(owner: string): string;
  /** The owner's sorted set of every key id. */
  index(owner: string): string;
  /** The owner's sorted set of the ids of keys that are not revoked. */
  live(owner: string): string;
  /** The owner's sorted set of the ids of not revoked keys with an expiry, scored by it. */
  expiring(owner: string): string;
  /** The credit allowance of the owner, or of one key lineage of the owner. */
  credits(owner: string, lineage?: string): string;
}

/** Builds the key layout for a prefix, checked by the store (see OptionChecks.redisKeyPrefix). */
export function storeKeys(prefix: string): StoreKeys {
  const slot = (owner: string) => `${prefix}{${ownerTag(owner)}}:`;
  return {
    pointer: (id) => `${prefix}id:${id}`,
    record: (owner, id) => `${slot(owner)}key:${id}`,
    recordBase: (owner) => `${slot(owner)}key:`,
    index: (owner) => `${slot(owner)}keys`,
    live: (owner) => `${slot(owner)}live`,
    expiring: (owner) => `${slot(owner)}expiring`,
    credits: (owner, lineage) => `${slot(owner)}credits${lineage === undefined ? '' : `:${lineage}`}`,
  };
}

/**
 * The hash tag of an owner: the owner itself when it has no braces (readable keys), otherwise its
 * UTF-8 bytes in base64url. The `o:` / `b:` marks keep the two forms from ever colliding.
 */
export function ownerTag(owner: string): string {
  return /[{}]/.test(owner) ? `b:${Buffer.from(owner, 'utf8').toString('base64url')}` : `o:${owner}`;
}
