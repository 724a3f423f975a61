/** The key a connection last presented with success, and its digest. */
interface Remembered {
  readonly key: string;
  readonly digest: string;
}

/**
 * Remembers, per client connection, the key it last presented with success and that key's digest,
 * so a keep-alive client that sends the same key again is looked up in the verified-key cache
 * without computing SHA-256 again (the most expensive step of a cache hit). A connection is any
 * object that lives as long as the client's connection (Node's socket); entries go with it.
 *
 * The remembered key is compared in constant time, so a client sharing a connection (through a
 * proxy's pool) learns nothing from timing. The price: a key stays in memory for as long as its
 * connection instead of its request (`cache.connections: false` turns this off).
 */
export class ConnectionMemo {
  readonly #entries = new WeakMap<object, Remembered>();

  /** The digest remembered for this connection when `presented` is the key it presented last; else undefined. */
  recall(connection: object, presented: string): string | undefined {
    const entry = this.#entries.get(connection);
    return entry !== undefined && sameKey(presented, entry.key) ? entry.digest : undefined;
  }

  /** Remembers a key that this connection just presented and that was found valid, with its digest. */
  remember(connection: object, presented: string, digest: string): void {
    this.#entries.set(connection, { key: presented, digest });
  }

  /** Forgets what this connection presented (its key is no longer valid here). */
  forget(connection: object): void {
    this.#entries.delete(connection);
  }
}

// Whether the presented key is the remembered one. Only the length is compared early (a key's
// length is public: it follows from the format); every character is then compared whatever the
// first difference, in plain JavaScript, so the hit path neither encodes nor calls into C++.
function sameKey(presented: string, remembered: string): boolean {
  if (presented.length !== remembered.length) return false;
  let difference = 0;
  for (let i = 0; i < remembered.length; i++) difference |= presented.charCodeAt(i) ^ remembered.charCodeAt(i);
  return difference === 0;
}
