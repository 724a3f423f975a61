import { MAX_KEY_LENGTH } from './key-format.js';

/** A key as 32-bit words (UTF-8 bytes, zero-padded): compared a word at a time, in constant time. */
interface Remembered {
  readonly length: number;
  readonly bytes: number;
  readonly words: Int32Array;
  readonly digest: string;
}

const encoder = new TextEncoder();
// Scratch space for a presented key's UTF-8 bytes (at most 3 per character); JavaScript runs one
// request handler at a time, so one buffer serves them all.
const scratch = new Uint8Array(Math.ceil((3 * MAX_KEY_LENGTH) / 4) * 4);
const scratchWords = new Int32Array(scratch.buffer);

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
    if (entry === undefined || presented.length !== entry.length || !sameKey(presented, entry)) return undefined;
    return entry.digest;
  }

  /** Remembers a key that this connection just presented and that was found valid, with its digest. */
  remember(connection: object, presented: string, digest: string): void {
    const bytes = encoder.encode(presented);
    const words = new Int32Array(Math.ceil(bytes.length / 4));
    new Uint8Array(words.buffer).set(bytes);
    this.#entries.set(connection, { length: presented.length, bytes: bytes.length, words, digest });
  }

  /** Forgets what this connection presented (its key is no longer valid here). */
  forget(connection: object): void {
    this.#entries.delete(connection);
  }
}

// Whether `presented` encodes to exactly the remembered bytes, comparing every word whatever the first difference.
function sameKey(presented: string, remembered: Remembered): boolean {
  const { words, bytes } = remembered;
  scratchWords[words.length - 1] = 0; // the remembered key's padding is zeros
  const { read, written } = encoder.encodeInto(presented, scratch);
  let difference = read === presented.length && written === bytes ? 0 : 1;
  for (let i = 0; i < words.length; i++) difference |= (scratchWords[i] as number) ^ (words[i] as number);
  return difference === 0;
}
