import { describe, expect, it } from 'vitest';
import { ipRangeWithin } from '../../src/key/ip.js';
import { coversGrant } from '../../src/key/scopes.js';
import { exceedingPower, type KeyPowers } from '../../src/lifecycle/delegation.js';

const T = Date.UTC(2030, 0, 1);
const powers = (overrides: Partial<KeyPowers> = {}): KeyPowers => ({
  scopes: [],
  expiresAt: null,
  allowedIps: null,
  rateLimits: null,
  ...overrides,
});
const burst = (limit: number, windowSeconds: number) => [{ name: 'burst', limit, windowSeconds }];

describe('coversGrant', () => {
  it.each([
    [['users:read'], 'users:read', true],
    [['users:*'], 'users:read', true],
    [['users:*'], 'users:*', true],
    [['users:*'], 'users:read:*', true],
    [['*'], '*', true],
    [['*'], 'users:*', true],
    [['users:read'], 'users:*', false],
    [['users:read:*'], 'users:*', false],
    [['users:*'], '*', false],
    [['user:*'], 'users:*', false],
  ])('%j covers %s: %s', (granted, grant, expected) => {
    expect(coversGrant(granted, grant)).toBe(expected);
  });
});

describe('ipRangeWithin', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/7', '10.0.0.0/8', false],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', true],
    ['10.0.0.1', '::ffff:10.0.0.0/104', true],
    ['2001:db8:1::/48', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['10.0.0.1', '::/0', true],
    ['::/0', '0.0.0.0/0', false],
    ['10.0.0.1', '0.0.0.0/0', true],
  ])('%s lies within %s: %s', (inner, outer, expected) => {
    expect(ipRangeWithin(inner, outer)).toBe(expected);
  });
});

describe('exceedingPower', () => {
  it('finds nothing between equal keys', () => {
    const key = powers({
      scopes: ['a:*'],
      expiresAt: new Date(T),
      allowedIps: ['10.0.0.0/8'],
      rateLimits: burst(5, 1),
    });
    expect(exceedingPower(key, { ...key })).toBeUndefined();
  });

  it('names scopes the holder does not grant', () => {
    expect(exceedingPower(powers({ scopes: ['keys:manage'] }), powers({ scopes: ['admin:*'] }))).toBe('scopes');
  });

  it('names an expiry later than the holder’s, or none', () => {
    const holder = powers({ expiresAt: new Date(T) });
    expect(exceedingPower(holder, powers())).toBe('expiresAt');
    expect(exceedingPower(holder, powers({ expiresAt: new Date(T + 1) }))).toBe('expiresAt');
    expect(exceedingPower(holder, powers({ expiresAt: new Date(T - 1) }))).toBeUndefined();
    expect(exceedingPower(powers(), powers({ expiresAt: new Date(T) }))).toBeUndefined();
  });

  it('names an allowlist wider than the holder’s, or none', () => {
    const holder = powers({ allowedIps: ['10.0.0.0/8'] });
    expect(exceedingPower(holder, powers())).toBe('allowedIps');
    expect(exceedingPower(holder, powers({ allowedIps: ['10.0.0.0/8', '192.0.2.1'] }))).toBe('allowedIps');
    expect(exceedingPower(holder, powers({ allowedIps: ['10.9.0.0/16'] }))).toBeUndefined();
    expect(exceedingPower(powers(), powers({ allowedIps: ['10.9.0.0/16'] }))).toBeUndefined();
  });

  it('names limits with a higher burst or a higher rate than one of the holder’s policies', () => {
    const holder = powers({ rateLimits: burst(10, 2) });
    expect(exceedingPower(holder, powers({ rateLimits: burst(11, 2) }))).toBe('rateLimits');
    expect(exceedingPower(holder, powers({ rateLimits: burst(8, 1) }))).toBe('rateLimits');
    expect(exceedingPower(holder, powers({ rateLimits: [] }))).toBe('rateLimits');
    expect(exceedingPower(holder, powers({ rateLimits: burst(10, 4) }))).toBeUndefined();
  });

  it('needs every policy of the holder matched, whatever the names', () => {
    const holder = powers({
      rateLimits: [
        { name: 'burst', limit: 10, windowSeconds: 1 },
        { name: 'daily', limit: 1000, windowSeconds: 86_400 },
      ],
    });
    expect(exceedingPower(holder, powers({ rateLimits: burst(5, 1) }))).toBe('rateLimits');
    const both = [
      { name: 'b', limit: 5, windowSeconds: 1 },
      { name: 'd', limit: 500, windowSeconds: 86_400 },
    ];
    expect(exceedingPower(holder, powers({ rateLimits: both }))).toBeUndefined();
  });

  it('lets a holder without limits give any limits', () => {
    expect(exceedingPower(powers({ rateLimits: [] }), powers({ rateLimits: null }))).toBeUndefined();
  });

  it('treats unknown defaults as only as strict as themselves', () => {
    const onDefaults = powers();
    expect(exceedingPower(onDefaults, powers())).toBeUndefined();
    expect(exceedingPower(onDefaults, powers({ rateLimits: burst(1, 60) }))).toBe('rateLimits');
    expect(exceedingPower(powers({ rateLimits: burst(5, 1) }), powers())).toBe('rateLimits');
  });

  it('compares against the defaults when they are known', () => {
    const defaults = burst(10, 1);
    expect(exceedingPower(powers(), powers({ rateLimits: burst(5, 1) }), defaults)).toBeUndefined();
    expect(exceedingPower(powers(), powers({ rateLimits: burst(20, 1) }), defaults)).toBe('rateLimits');
    expect(exceedingPower(powers({ rateLimits: burst(20, 1) }), powers(), defaults)).toBeUndefined();
    expect(exceedingPower(powers({ rateLimits: burst(5, 1) }), powers(), defaults)).toBe('rateLimits');
  });
});
