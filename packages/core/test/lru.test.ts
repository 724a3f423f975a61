import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/lru.js';
import { manualClock } from './helpers.js';

describe('LruCache', () => {
  it('returns what was set until its TTL passes', () => {
    const clock = manualClock();
    const cache = new LruCache<string, number>(10, clock.now);
    cache.set('a', 1, 1000);
    clock.advance(999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    cache.set('c', 3, 60_000);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('counts a read as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    cache.get('a');
    cache.set('c', 3, 60_000);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
  });

  it('replaces a value and its TTL when set again', () => {
    const clock = manualClock();
    const cache = new LruCache<string, number>(2, clock.now);
    cache.set('a', 1, 100);
    cache.set('a', 2, 1000);
    clock.advance(500);
    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('stores nothing when its size is 0', () => {
    const cache = new LruCache<string, number>(0);
    cache.set('a', 1, 60_000);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('deletes one entry or all of them', () => {
    const cache = new LruCache<string, number>(10);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.get('b')).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
