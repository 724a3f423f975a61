import { describe, expect, it } from 'vitest';
import { ipAllowed } from '../../src/key/allowlist.js';
import type { ApiKey } from '../../src/key/record.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { checkAllowedIps } from '../../src/lifecycle/limits.js';
import { apiKeyWith, setup } from '../support/helpers.js';

// A frozen key as the verifier hands out, with an allowlist normalised as KeyManager stores it.
function keyWith(allowedIps: string[] | null): ApiKey {
  return apiKeyWith({ allowedIps: allowedIps === null ? null : checkAllowedIps(allowedIps) });
}

describe('ipAllowed', () => {
  it('lets any address use a key without an allowlist', () => {
    expect(ipAllowed(keyWith(null), '198.51.100.1')).toBe(true);
    expect(ipAllowed(keyWith(null), undefined)).toBe(true);
  });

  it.each<[string, string[], string, boolean]>([
    ['an exact IPv4 address', ['203.0.113.7'], '203.0.113.7', true],
    ['another IPv4 address', ['203.0.113.7'], '203.0.113.8', false],
    ['an IPv4 range', ['10.0.0.0/8'], '10.200.3.4', true],
    ['outside an IPv4 range', ['10.0.0.0/8'], '11.0.0.1', false],
    ['the host bits of a stored range', ['192.168.1.77/24'], '192.168.1.1', true],
    ['an exact IPv6 address', ['2001:db8::1'], '2001:db8:0:0:0:0:0:1', true],
    ['another IPv6 address', ['2001:db8::1'], '2001:db8::2', false],
    ['an IPv6 range', ['2001:db8::/32'], '2001:db8:ffff::9', true],
    ['outside an IPv6 range', ['2001:db8::/32'], '2001:db9::1', false],
    ['an IPv4-mapped client against an IPv4 entry', ['203.0.113.7'], '::ffff:203.0.113.7', true],
    ['an IPv4-mapped client in hex against an IPv4 range', ['127.0.0.0/8'], '::ffff:7f00:1', true],
    ['an IPv4-mapped client outside the IPv4 entry', ['203.0.113.7'], '::ffff:203.0.113.8', false],
    ['an IPv4 client against an IPv4-mapped entry', ['::ffff:203.0.113.7'], '203.0.113.7', true],
    ['an IPv4 client against an IPv4-mapped range', ['::ffff:10.0.0.0/104'], '10.1.2.3', true],
    ['an IPv4 client against an IPv6 entry', ['2001:db8::1'], '192.0.2.1', false],
    ['one entry of several', ['192.0.2.0/24', '2001:db8::/32', '198.51.100.9'], '198.51.100.9', true],
    ['a link-local client with a zone id', ['fe80::/10'], 'fe80::1%eth0', true],
  ])('%s', (_, list, address, expected) => {
    expect(ipAllowed(keyWith(list), address)).toBe(expected);
  });

  it('refuses an unknown or unparsable client address when the key has an allowlist', () => {
    const key = keyWith(['0.0.0.0/0', '::/0']);
    expect(ipAllowed(key, undefined)).toBe(false);
    expect(ipAllowed(key, '')).toBe(false);
    expect(ipAllowed(key, 'not-an-ip')).toBe(false);
    expect(ipAllowed(key, '203.0.113.7, 10.0.0.1')).toBe(false);
    expect(ipAllowed(key, '203.0.113.7')).toBe(true);
  });

  it('refuses every address for an empty allowlist', () => {
    expect(ipAllowed(keyWith([]), '127.0.0.1')).toBe(false);
  });

  it('works on the keys the verifier returns, cache hits included', async () => {
    const { keygate, createKey } = setup();
    const { key } = await createKey({ allowedIps: ['198.51.100.0/24'] });
    const verified = await keygate.verify(key);
    const cached = runtimeOf(keygate).peek(key);
    if (!verified.ok || !cached?.ok) throw new Error('expected valid');
    expect(cached.key).toBe(verified.key);
    expect(ipAllowed(cached.key, '198.51.100.20')).toBe(true);
    expect(ipAllowed(cached.key, '198.51.101.20')).toBe(false);
  });
});
