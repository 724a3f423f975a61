import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/verify/lru.js';
import { manualClock } from '../support/helpers.js';

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

  it('tells onRemove of every entry that leaves: evicted, expired, deleted or cleared', () => {
    const clock = manualClock(0);
    const removed: string[] = [];
    const cache = new LruCache<string, number>(2, clock.now, (key) => removed.push(key));
    cache.set('a', 1, 10);
    cache.set('b', 2, 60_000);
    cache.set('c', 3, 60_000);
    expect(removed).toEqual(['a']);
    clock.advance(20);
    cache.set('d', 4, 5);
    expect(removed).toEqual(['a', 'b']);
    clock.advance(10);
    expect(cache.get('d')).toBeUndefined();
    cache.delete('c');
    expect(removed).toEqual(['a', 'b', 'd', 'c']);
    cache.set('e', 5, 60_000);
    cache.clear();
    expect(removed).toEqual(['a', 'b', 'd', 'c', 'e']);
  });

  it('gives read entries a second chance and evicts the oldest unread one', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    cache.set('c', 3, 60_000);
    cache.get('a');
    cache.get('b');
    cache.set('d', 4, 60_000);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([1, 2, undefined, 4]);
  });

  it('keeps its size bound when every entry has been read', () => {
    const cache = new LruCache<number, number>(100);
    for (let i = 0; i < 100; i++) cache.set(i, i, 60_000);
    for (let i = 0; i < 100; i++) cache.get(i);
    for (let i = 100; i < 1000; i++) cache.set(i, i, 60_000);
    expect(cache.size).toBe(100);
  });
});
