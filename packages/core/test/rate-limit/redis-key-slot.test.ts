import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/rate-limit/redis/key-slot.js';

describe('keySlot', () => {
  it.each([
    ['123456789', 12739],
    ['foo', 12182],
    ['{user1000}.following', keySlot('user1000')],
    ['foo{{bar}}zap', keySlot('{bar')],
    ['foo{bar}{zap}', keySlot('bar')],
  ])('gives %s the slot of the CRC16 of its hash tag or whole key', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});
