import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { burstTolerance, emissionInterval } from '../../src/rate-limit/gcra.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-limiter.js';
import { manualClock } from '../support/clock.js';

const burst: RateLimitPolicy = { name: 'burst', limit: 5, windowSeconds: 1 };
const daily: RateLimitPolicy = { name: 'daily', limit: 8, windowSeconds: 86_400 };

// A limiter on a clock that only moves when told to (ms).
function limiter(maxEntries?: number) {
  const clock = manualClock(1_000);
  const rl = new MemoryRateLimiter({ now: clock.now, ...(maxEntries === undefined ? {} : { maxEntries }) });
  return { rl, advance: clock.advance };
}

function admittedOf(rl: MemoryRateLimiter, subject: string, policies: RateLimitPolicy[], requests: number): number {
  let admitted = 0;
  for (let i = 0; i < requests; i++) if (rl.consume(subject, policies).allowed) admitted++;
  return admitted;
}

describe('GCRA math', () => {
  it('rounds the emission interval up to a whole microsecond so a burst never exceeds the limit', () => {
    const policy = { name: 'p', limit: 3, windowSeconds: 1 };
    expect(emissionInterval(policy)).toBe(333_334);
    expect(burstTolerance(policy, emissionInterval(policy))).toBe(1_000_002);
  });
});

describe('MemoryRateLimiter', () => {
  it('admits exactly `limit` of many sequential requests', () => {
    const { rl } = limiter();
    expect(admittedOf(rl, 'key_1', [{ name: 'hourly', limit: 37, windowSeconds: 3600 }], 100)).toBe(37);
  });

  it('admits a burst of `limit` at once, then one request per emission interval', () => {
    const { rl, advance } = limiter();
    expect(admittedOf(rl, 'k', [burst], 5)).toBe(5);
    expect(rl.consume('k', [burst]).allowed).toBe(false);
    advance(199);
    expect(rl.consume('k', [burst]).allowed).toBe(false);
    advance(1);
    expect(rl.consume('k', [burst]).allowed).toBe(true);
    expect(rl.consume('k', [burst]).allowed).toBe(false);
  });

  it('answers synchronously', () => {
    const { rl } = limiter();
    expect(rl.consume('k', [burst])).not.toBeInstanceOf(Promise);
  });

  it('admits a request only when every policy admits it', () => {
    const { rl, advance } = limiter();
    expect(admittedOf(rl, 'k', [burst, daily], 5)).toBe(5);
    advance(1_000);
    expect(admittedOf(rl, 'k', [burst, daily], 5)).toBe(3);
    const denied = rl.consume('k', [burst, daily]);
    expect(denied.allowed).toBe(false);
    expect(denied.violated).toEqual(['daily']);
  });

  it('consumes nothing from the other policies when one denies', () => {
    const { rl } = limiter();
    admittedOf(rl, 'k', [burst, daily], 5);
    for (let i = 0; i < 20; i++) rl.consume('k', [burst, daily]);
    expect(rl.check('k', [daily]).policies[0]?.remaining).toBe(3);
  });

  it('counts a request of cost n as n units', () => {
    const { rl } = limiter();
    expect(rl.consume('k', [burst], 3).policies[0]?.remaining).toBe(2);
    expect(rl.consume('k', [burst], 3).allowed).toBe(false);
    expect(rl.consume('k', [burst], 2).allowed).toBe(true);
  });

  it('never admits a cost above the limit', () => {
    const { rl } = limiter();
    expect(rl.consume('k', [burst], 6).allowed).toBe(false);
  });

  it('counts nothing on check', () => {
    const { rl } = limiter();
    for (let i = 0; i < 10; i++) expect(rl.check('k', [burst]).allowed).toBe(true);
    expect(rl.consume('k', [burst]).policies[0]?.remaining).toBe(4);
  });

  it('reports the remaining units and the seconds until the quota is full again', () => {
    const { rl } = limiter();
    const decision = rl.consume('k', [burst, daily]);
    expect(decision.policies.map((p) => [p.policy.name, p.remaining, p.resetSeconds])).toEqual([
      ['burst', 4, 1],
      ['daily', 7, 10_800],
    ]);
  });

  it('reports the seconds until the next unit when none is left', () => {
    const { rl } = limiter();
    admittedOf(rl, 'k', [daily], 8);
    const state = rl.check('k', [daily]).policies[0];
    expect(state).toMatchObject({ remaining: 0, resetSeconds: 10_800 });
  });

  it('gives the precise wait, rounded up to whole seconds, as retryAfterSeconds', () => {
    const { rl, advance } = limiter();
    admittedOf(rl, 'k', [daily], 8);
    advance(4_000_500);
    const denied = rl.consume('k', [daily]);
    expect(denied.retryAfterSeconds).toBe(10_800 - 4_000);
    expect(rl.consume('k', [burst, daily]).retryAfterSeconds).toBe(6_800);
  });

  it('reports retryAfterSeconds 0 and no violated policy when admitted', () => {
    const { rl } = limiter();
    expect(rl.consume('k', [burst])).toMatchObject({ allowed: true, retryAfterSeconds: 0, violated: [] });
  });

  it("keeps a subject's counts under every policy when its policy list changes", () => {
    const { rl } = limiter();
    admittedOf(rl, 'k', [burst, daily], 2);
    admittedOf(rl, 'k', [daily], 3);
    expect(rl.check('k', [daily, burst]).policies.map((p) => p.remaining)).toEqual([3, 3]);
    expect(rl.check('k', [{ ...burst }]).policies[0]?.remaining).toBe(3);
  });

  it('decides alike over a frozen policy list, built once, and a new list per call', () => {
    const frozen = Object.freeze([Object.freeze({ ...burst })]);
    const a = limiter();
    const b = limiter();
    for (let i = 0; i < 7; i++) expect(a.rl.consume('k', frozen)).toEqual(b.rl.consume('k', [{ ...burst }]));
  });

  it('keeps subjects apart', () => {
    const { rl } = limiter();
    admittedOf(rl, 'a', [burst], 5);
    expect(rl.consume('b', [burst]).allowed).toBe(true);
  });

  it('admits everything for an empty policy list', () => {
    const { rl } = limiter();
    expect(admittedOf(rl, 'k', [], 50)).toBe(50);
    expect(rl.size).toBe(0);
  });

  it('drops idle subjects as new ones arrive', () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 10; i++) rl.consume(`old${i}`, [burst]);
    advance(1_001);
    for (let i = 0; i < 10; i++) rl.consume(`new${i}`, [burst]);
    expect(rl.size).toBe(10);
  });

  it('never tracks more than maxEntries subjects, dropping the least recently used', () => {
    const { rl } = limiter(3);
    for (const subject of ['a', 'b', 'c']) rl.consume(subject, [daily]);
    rl.consume('a', [daily]);
    rl.consume('d', [daily]);
    expect(rl.size).toBe(3);
    expect(rl.check('a', [daily]).policies[0]?.remaining).toBe(6);
    expect(rl.check('b', [daily]).policies[0]?.remaining).toBe(8);
  });

  it.each<[string, RateLimitPolicy[], number]>([
    ['a fractional cost', [burst], 1.5],
    ['a negative cost', [burst], -1],
    ['a zero limit', [{ name: 'p', limit: 0, windowSeconds: 1 }], 1],
    ['a fractional window', [{ name: 'p', limit: 1, windowSeconds: 0.5 }], 1],
    ['two policies with one name', [burst, { ...daily, name: 'burst' }], 1],
  ])('rejects %s with invalid_input', (_, policies, cost) => {
    const { rl } = limiter();
    expect(() => rl.consume('k', policies, cost)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('rejects a maxEntries below 1 with invalid_options', () => {
    let error: unknown;
    try {
      new MemoryRateLimiter({ maxEntries: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(isKeygateError(error, 'invalid_options')).toBe(true);
  });
});
