import { describe, expect, it } from 'vitest';
import { clientSubject, UNKNOWN_CLIENT } from '../../src/http/client-subject.js';

describe('clientSubject', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
  ])('counts %s as %s', (address, subject) => {
    expect(clientSubject(address, 64)).toBe(subject);
  });

  it('groups IPv6 addresses by the configured prefix length', () => {
    expect(clientSubject('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48');
    expect(clientSubject('2001:db8:1:2::1', 128)).toBe('2001:db8:1:2::1');
  });

  it.each(['x'.repeat(600), '203.0.113.9, 10.0.0.1', 'unknown', '1.2.3', '::zz'])(
    'counts what is not an address (%s) as one shared subject, never throwing',
    (address) => {
      expect(clientSubject(address, 64)).toBe(UNKNOWN_CLIENT);
    },
  );

  it('gives no subject without an address', () => {
    expect(clientSubject(undefined, 64)).toBeUndefined();
    expect(clientSubject('', 64)).toBeUndefined();
  });
});
