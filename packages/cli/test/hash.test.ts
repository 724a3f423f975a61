// `keygate hash`: the stored hash of a key read from stdin.
import { hmacSha256Hasher, parseKey } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { cli, json } from './support/cli.js';

async function generated() {
  const { key } = json(await cli(['generate', '--json']));
  const parsed = parseKey(key);
  if (!parsed.ok) throw new Error('generate printed no key');
  return { key: key as string, ...parsed.key };
}

describe('keygate hash', () => {
  it('prints the id and hash of a key read from stdin, never the key', async () => {
    const { key, id, secret } = await generated();
    const out = json(await cli(['hash', '--json'], `${key}\n`));
    expect(out.id).toBe(id);
    expect(await hmacSha256Hasher().verify(secret, out.hash)).toBe(true);
    expect(JSON.stringify(out)).not.toContain(key);
  });

  it('hashes with hmac-sha256 and the pepper from KEYGATE_PEPPER', async () => {
    const pepper = 'p'.repeat(32);
    const { key, secret } = await generated();
    const out = json(await cli(['hash', '--hasher', 'hmac-sha256', '--json'], key, { KEYGATE_PEPPER: pepper }));
    expect(out.hash).toMatch(/^hmac-sha256\$default\$/);
    expect(await hmacSha256Hasher({ pepper }).verify(secret, out.hash)).toBe(true);
  });

  it('exits 2 when stdin holds a key with a typo, without echoing it', async () => {
    const { key } = await generated();
    const typo = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const run = await cli(['hash'], typo);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('checksum');
    expect(run.stderr).not.toContain(typo);
  });
});
