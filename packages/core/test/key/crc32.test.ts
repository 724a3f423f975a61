import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/key/crc32.js';
import { prng } from '../support/helpers.js';

describe('crc32', () => {
  it('gives the CRC-32 check value 0xCBF43926 for "123456789"', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('gives 0 for the empty string', () => {
    expect(crc32('')).toBe(0);
  });

  it('returns an unsigned 32-bit integer', () => {
    const value = crc32('The quick brown fox jumps over the lazy dog');
    expect(value).toBe(0x414fa339);
    expect(value).toBeGreaterThan(0);
  });

  it('agrees with zlib on ASCII strings', () => {
    const zlibCrc32 = (zlib as { crc32?: (data: string) => number }).crc32;
    if (zlibCrc32 === undefined) return; // Node < 20.15 has no zlib.crc32
    const random = prng(32);
    for (let i = 0; i < 500; i++) {
      const text = String.fromCharCode(
        ...Array.from({ length: Math.floor(random() * 80) }, () => 32 + Math.floor(random() * 95)),
      );
      expect(crc32(text)).toBe(zlibCrc32(text));
    }
  });
});
