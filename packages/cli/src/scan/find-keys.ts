// Keygate keys in a text: KEY_PATTERN finds candidates, the checksum confirms them (a random
// string of the same shape passes with odds of one in 62^6), and only prefix and id are kept.
import { KEY_PATTERN, parseKey } from '@keygate/core';

/** One key found in a text, 1-based line and column (in characters); never the secret. */
export interface FoundKey {
  readonly line: number;
  readonly column: number;
  readonly prefix: string;
  readonly id: string;
}

const CANDIDATES = new RegExp(KEY_PATTERN.source, 'g');
const NEWLINE = 10;

/** Every keygate key in `text` whose checksum holds, in order. Linear in the length of `text`. */
export function findKeys(text: string): FoundKey[] {
  const found: FoundKey[] = [];
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  CANDIDATES.lastIndex = 0;
  for (let match = CANDIDATES.exec(text); match !== null; match = CANDIDATES.exec(text)) {
    const parsed = parseKey(match[0]);
    if (!parsed.ok) continue;
    for (; scanned < match.index; scanned++) {
      if (text.charCodeAt(scanned) === NEWLINE) {
        line++;
        lineStart = scanned + 1;
      }
    }
    found.push({ line, column: match.index - lineStart + 1, prefix: parsed.key.prefix, id: parsed.key.id });
  }
  return found;
}

/** How a found key is shown: prefix and id, the secret replaced. */
export function redactedKey(key: Pick<FoundKey, 'prefix' | 'id'>): string {
  return `${key.prefix}_${key.id}_[redacted]`;
}
