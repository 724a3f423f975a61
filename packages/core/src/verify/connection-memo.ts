/** The key a connection last presented with success (its UTF-8 bytes, in 32-bit words), and its digest. */
interface Remembered {
  readonly length: number;
  readonly words: Uint32Array;
  /** Which bits of the last word hold the key (the rest of that word is zero here, stale in the scratch). */
  readonly lastMask: number;
  readonly digest: string;
}

// The platform's byte order, for the mask of a last, partial word.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Where a presented key is written to be compared: one buffer, reused (JavaScript runs one thing at
// a time), large enough for any key (MAX_KEY_LENGTH is under 128 characters).
const SCRATCH = new ArrayBuffer(512);
const SCRATCH_BYTES = new Uint8Array(SCRATCH);
const SCRATCH_WORDS = new Uint32Array(SCRATCH);
const UTF8 = new TextEncoder();

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
    return entry !== undefined && sameKey(presented, entry) ? entry.digest : undefined;
  }

  /** Remembers a key that this connection just presented and that was found valid, with its digest. */
  remember(connection: object, presented: string, digest: string): void {
    const bytes = new Uint8Array(Math.ceil(Buffer.byteLength(presented) / 4) * 4);
    const { written: length } = UTF8.encodeInto(presented, bytes);
    const words = new Uint32Array(bytes.buffer);
    this.#entries.set(connection, { length, words, lastMask: lastWordMask(length), digest });
  }

  /** Forgets what this connection presented (its key is no longer valid here). */
  forget(connection: object): void {
    this.#entries.delete(connection);
  }
}

// Whether the presented key is the remembered one. Only the length is compared early (a key's
// length is public: it follows from the format). The key is written once into the scratch buffer
// as UTF-8 (a string with any non-ASCII character writes more bytes than it has characters, so it
// never passes), then compared 32 bits at a time over its whole length, whatever the first
// difference: a native write and a few word operations, where comparing characters one by one in
// JavaScript cost a string access each (docs/benchmarks.md has the figures).
function sameKey(presented: string, remembered: Remembered): boolean {
  const { length, words, lastMask } = remembered;
  if (presented.length !== length || UTF8.encodeInto(presented, SCRATCH_BYTES).written !== length) return false;
  const last = words.length - 1;
  let difference = ((SCRATCH_WORDS[last] as number) & lastMask) ^ (words[last] as number);
  for (let i = 0; i < last; i++) difference |= (SCRATCH_WORDS[i] as number) ^ (words[i] as number);
  return difference === 0;
}

// The bits of the last word that hold key bytes, for a key of `length` bytes.
function lastWordMask(length: number): number {
  const used = length % 4 === 0 ? 4 : length % 4;
  if (used === 4) return 0xffffffff;
  const low = 2 ** (8 * used) - 1;
  return LITTLE_ENDIAN ? low : ~(2 ** (8 * (4 - used)) - 1);
}
