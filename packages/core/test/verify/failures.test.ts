import { describe, expect, it } from 'vitest';
import { FailureTracker } from '../../src/verify/failures.js';
import { manualClock } from '../support/helpers.js';

const limits = { rememberMs: 1000, maxPerId: 3, windowMs: 10_000, maxEntries: 100 };

describe('FailureTracker', () => {
  it('remembers a failed key digest for rememberMs', () => {
    const clock = manualClock();
    const tracker = new FailureTracker(limits, clock.now);
    expect(tracker.isKnownFailure('d1')).toBe(false);
    tracker.rememberFailure('d1');
    expect(tracker.isKnownFailure('d1')).toBe(true);
    expect(tracker.isKnownFailure('d2')).toBe(false);
    clock.advance(1000);
    expect(tracker.isKnownFailure('d1')).toBe(false);
  });

  it('throttles a client on an id once it has maxPerId failed hashes there, for the rest of its window', () => {
    const clock = manualClock();
    const tracker = new FailureTracker(limits, clock.now);
    tracker.recordHashFailure('id1', 'c1', 'd1');
    clock.advance(1000);
    tracker.recordHashFailure('id1', 'c1', 'd2');
    expect(tracker.throttledFor('id1', 'c1')).toBe(0);
    tracker.recordHashFailure('id1', 'c1', 'd3');
    expect(tracker.throttledFor('id1', 'c1')).toBe(9000);
    clock.advance(8999);
    expect(tracker.throttledFor('id1', 'c1')).toBe(1);
    clock.advance(1);
    expect(tracker.throttledFor('id1', 'c1')).toBe(0);
  });

  it('counts failed hashes per id', () => {
    const tracker = new FailureTracker(limits, manualClock().now);
    for (const digest of ['a', 'b', 'c']) tracker.recordHashFailure('id1', 'c1', digest);
    expect(tracker.throttledFor('id1', 'c1')).toBeGreaterThan(0);
    expect(tracker.throttledFor('id2', 'c1')).toBe(0);
  });

  it('throttles only the client that failed, never another client of the same id', () => {
    const tracker = new FailureTracker(limits, manualClock().now);
    for (const digest of ['a', 'b', 'c']) tracker.recordHashFailure('id1', 'attacker', digest);
    tracker.startHash('id1', 'attacker');
    expect(tracker.throttledFor('id1', 'attacker')).toBeGreaterThan(0);
    expect(tracker.throttledFor('id1', 'holder')).toBe(0);
  });

  it('also remembers the digest of a failed hash', () => {
    const tracker = new FailureTracker(limits, manualClock().now);
    tracker.recordHashFailure('id1', 'c1', 'd1');
    expect(tracker.isKnownFailure('d1')).toBe(true);
  });

  it('tracks at most maxEntries digests, forgetting the oldest', () => {
    const tracker = new FailureTracker({ ...limits, maxEntries: 2 }, manualClock().now);
    tracker.rememberFailure('d1');
    tracker.rememberFailure('d2');
    tracker.rememberFailure('d3');
    expect(tracker.isKnownFailure('d1')).toBe(false);
    expect(tracker.isKnownFailure('d3')).toBe(true);
  });

  it('counts hash verifications in flight toward maxPerId, asking for a short retry', () => {
    const tracker = new FailureTracker(limits, manualClock().now);
    tracker.recordHashFailure('id1', 'c1', 'd1');
    tracker.startHash('id1', 'c1');
    expect(tracker.throttledFor('id1', 'c1')).toBe(0);
    tracker.startHash('id1', 'c1');
    expect(tracker.throttledFor('id1', 'c1')).toBe(1000);
    expect(tracker.throttledFor('id2', 'c1')).toBe(0);
  });

  it('stops counting a hash once it ends, whatever its outcome', () => {
    const tracker = new FailureTracker(limits, manualClock().now);
    for (let i = 0; i < 3; i++) tracker.startHash('id1', 'c1');
    expect(tracker.throttledFor('id1', 'c1')).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) tracker.endHash('id1', 'c1');
    expect(tracker.throttledFor('id1', 'c1')).toBe(0);
  });
});
