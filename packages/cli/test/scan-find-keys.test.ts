// Finding keys in a text: KEY_PATTERN for candidates, the checksum to confirm them, positions as
// editors count them, and only prefix and id kept.
import { randomBytes } from 'node:crypto';
import { generateKey, KEY_PATTERN } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { findKeys, redactedKey } from '../src/scan/find-keys.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// Random base62 text (a byte modulo 62: slightly uneven, which does not matter here).
const randomBase62 = (length: number) =>
  Buffer.from(randomBytes(length).map((byte) => BASE62.charCodeAt(byte % 62))).toString('latin1');

describe('findKeys', () => {
  it('finds a key with its 1-based line and column, prefix and id', () => {
    const { key, id } = generateKey('sk_live');
    const text = `first line\nconst apiKey = "${key}";\n`;
    expect(findKeys(text)).toEqual([{ line: 2, column: 17, prefix: 'sk_live', id }]);
  });

  it('finds every key of a text, of any prefix, in order', () => {
    const a = generateKey('kg');
    const b = generateKey('sk_test');
    const found = findKeys(`${a.key} ${b.key}\n\n\t${a.key}`);
    expect(found.map((f) => [f.line, f.column, f.id])).toEqual([
      [1, 1, a.id],
      [1, a.key.length + 2, b.id],
      [3, 2, a.id],
    ]);
  });

  it('finds no key in 100000 random strings of the shape of a key (the checksum rules them out)', () => {
    const random = randomBase62(100_000 * 61);
    const shaped = (i: number) =>
      `sk_live_${random.slice(i * 61, i * 61 + 12)}_${random.slice(i * 61 + 12, i * 61 + 61)}`;
    const text = Array.from({ length: 100_000 }, (_, i) => shaped(i)).join('\n');
    // Every line is a candidate of the scanner pattern: only the checksum stands between it and a finding.
    expect(text.match(new RegExp(KEY_PATTERN.source, 'g'))).toHaveLength(100_000);
    expect(findKeys(text)).toEqual([]);
  });

  it('ignores a key with one character changed', () => {
    const { key } = generateKey('kg');
    const typo = `${key.slice(0, 20)}${key[20] === 'a' ? 'b' : 'a'}${key.slice(21)}`;
    expect(findKeys(typo)).toEqual([]);
  });

  it('ignores a key joined to other word characters', () => {
    const { key } = generateKey('kg');
    expect(findKeys(`x${key}`)).toEqual([]);
    expect(findKeys(`${key}_v2`)).toEqual([]);
  });

  it('shows a found key as prefix and id, never its secret', () => {
    const { key, id, secret } = generateKey('sk_live');
    const [found] = findKeys(key);
    const shown = redactedKey(found as NonNullable<typeof found>);
    expect(shown).toBe(`sk_live_${id}_[redacted]`);
    expect(shown).not.toContain(secret);
  });

  it('stays linear on hostile text (a long run of prefix-like words)', () => {
    const started = performance.now();
    findKeys('a_'.repeat(500_000));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
