import { describe, expect, it } from 'vitest';
import {
  checkCreditState,
  checkRefill,
  MAX_CREDITS,
  nextRefill,
  refillPeriodSeconds,
} from '../../src/credits/allowance.js';
import { keygateErrorOf } from '../support/errors.js';

const utc = (text: string) => Date.parse(`${text}Z`);

describe('nextRefill', () => {
  it('refills monthly on the 1st at 00:00 UTC by default', () => {
    expect(nextRefill(checkRefill({ amount: 1, interval: 'month' }, 'refill'), utc('2030-01-15T10:00:00'))).toBe(
      utc('2030-02-01T00:00:00'),
    );
  });

  it('refills on the last day of a month shorter than the day asked for', () => {
    const refill = checkRefill({ amount: 1, interval: 'month', at: 31 }, 'refill');
    expect(nextRefill(refill, utc('2030-02-01T00:00:00'))).toBe(utc('2030-02-28T00:00:00'));
    expect(nextRefill(refill, utc('2030-02-28T00:00:00'))).toBe(utc('2030-03-31T00:00:00'));
  });

  it('is strictly after the instant given, even on a boundary', () => {
    const refill = checkRefill({ amount: 1, interval: 'month' }, 'refill');
    expect(nextRefill(refill, utc('2030-12-01T00:00:00'))).toBe(utc('2031-01-01T00:00:00'));
  });

  it('refills daily at the UTC hour given', () => {
    const refill = checkRefill({ amount: 1, interval: 'day', at: 3 }, 'refill');
    expect(nextRefill(refill, utc('2030-01-15T02:59:59'))).toBe(utc('2030-01-15T03:00:00'));
    expect(nextRefill(refill, utc('2030-01-15T03:00:00'))).toBe(utc('2030-01-16T03:00:00'));
  });

  it('refills every period in ms, counted from the instant given', () => {
    const refill = checkRefill({ amount: 1, interval: 60_000, at: 5_000 }, 'refill');
    expect(nextRefill(refill, 5_000)).toBe(65_000);
    expect(nextRefill(refill, 64_999)).toBe(65_000);
  });
});

describe('refillPeriodSeconds', () => {
  it('is the length of the month that ends at the refill', () => {
    const refill = checkRefill({ amount: 1, interval: 'month' }, 'refill');
    expect(refillPeriodSeconds(refill, utc('2030-03-01T00:00:00'))).toBe(28 * 86_400);
  });

  it('is a day for daily refills and the period for ms refills', () => {
    expect(refillPeriodSeconds(checkRefill({ amount: 1, interval: 'day' }, 'r'), 0)).toBe(86_400);
    expect(refillPeriodSeconds(checkRefill({ amount: 1, interval: 90_500 }, 'r'), 0)).toBe(91);
  });
});

describe('checkRefill', () => {
  it.each([
    [{ amount: 0, interval: 'day' }, 'refill.amount'],
    [{ amount: 1.5, interval: 'day' }, 'refill.amount'],
    [{ amount: MAX_CREDITS + 1, interval: 'day' }, 'refill.amount'],
    [{ amount: 1, interval: 'week' }, 'refill.interval'],
    [{ amount: 1, interval: 999 }, 'refill.interval'],
    [{ amount: 1, interval: 'day', at: 24 }, 'refill.at'],
    [{ amount: 1, interval: 'month', at: 0 }, 'refill.at'],
  ])('refuses %j naming %s', (value, field) => {
    expect(keygateErrorOf(() => checkRefill(value, 'refill'))).toMatchObject({ code: 'invalid_input', field });
  });

  it('refuses an unknown field', () => {
    expect(keygateErrorOf(() => checkRefill({ amount: 1, interval: 'day', every: 2 }, 'refill')).code).toBe(
      'invalid_input',
    );
  });
});

describe('checkCreditState', () => {
  it.each([
    [{ remaining: -1, refill: null, refillAt: null }],
    [{ remaining: 1.5, refill: null, refillAt: null }],
    [{ remaining: '5', refill: null, refillAt: null }],
    [{ remaining: 5, refill: null, refillAt: 1000 }],
    [{ remaining: 5, refill: { amount: 1, interval: 'month' }, refillAt: null }],
    [{ remaining: 5, refill: { amount: -1, interval: 'month' }, refillAt: 1000 }],
    [null],
  ])('fails closed on a malformed stored allowance %j', (value) => {
    expect(keygateErrorOf(() => checkCreditState(value)).code).toBe('store_unavailable');
  });

  it('accepts a well-formed allowance', () => {
    const state = { remaining: 5, refill: { amount: 9, interval: 'month', at: 1 }, refillAt: 1000 };
    expect(checkCreditState(state)).toStrictEqual(state);
  });
});
