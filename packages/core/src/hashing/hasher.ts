/**
 * Turns a key's secret into a storable hash and checks a presented secret against it.
 * Hashes are self-describing strings `<algorithm>$...`, so stores need no extra column and a
 * deployment can change hasher or parameters while old hashes still verify.
 */
export interface Hasher {
  /** The algorithm tag this hasher writes and reads, e.g. `scrypt`. */
  readonly algorithm: string;
  /** Hashes a secret for storage. */
  hash(secret: string): Promise<string>;
  /** Constant-time check of `secret` against a hash this hasher can read; false for any other hash. */
  verify(secret: string, stored: string): Promise<boolean>;
  /** True when `stored` was written with other parameters than this hasher's current ones. */
  needsRehash(stored: string): boolean;
}

/** The algorithm tag of a stored hash (the text before the first `$`). */
export function hashAlgorithm(stored: string): string {
  const end = stored.indexOf('$');
  return end === -1 ? '' : stored.slice(0, end);
}
