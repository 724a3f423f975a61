import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, encodeBase62, isBase62Code, randomBase62 } from '../../src/key/base62.js';

describe('base62', () => {
  it('uses digits, then upper case, then lower case', () => {
    expect(BASE62_ALPHABET).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
  });

  it('encodes unsigned 32-bit integers left-padded to the width', () => {
    expect(encodeBase62(0, 6)).toBe('000000');
    expect(encodeBase62(61, 6)).toBe('00000z');
    expect(encodeBase62(62, 6)).toBe('000010');
    expect(encodeBase62(62 * 62 - 1, 2)).toBe('zz');
    expect(encodeBase62(0xffffffff, 6)).toBe('4gfFC3');
  });

  it('fits every 32-bit value in six characters', () => {
    expect(62 ** 6).toBeGreaterThan(2 ** 32);
    expect(encodeBase62(0xffffffff, 0)).toHaveLength(6);
  });

  it('treats its input as unsigned 32-bit', () => {
    expect(encodeBase62(-1, 6)).toBe(encodeBase62(0xffffffff, 6));
  });

  it('recognises exactly the 62 alphabet characters', () => {
    const accepted: string[] = [];
    for (let code = 0; code < 0x10000; code++) if (isBase62Code(code)) accepted.push(String.fromCharCode(code));
    expect(accepted.join('')).toBe(BASE62_ALPHABET);
  });

  it('draws random strings of the requested length from the alphabet only', () => {
    for (const length of [0, 1, 12, 43, 100]) {
      const value = randomBase62(length);
      expect(value).toHaveLength(length);
      expect([...value].every((c) => BASE62_ALPHABET.includes(c))).toBe(true);
    }
  });

  it('draws every character about equally often', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62 * 1000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each, standard deviation about 31: these bounds are 13 deviations wide.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(600);
      expect(count).toBeLessThan(1400);
    }
  });
});
