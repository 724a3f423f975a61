// `keygate generate`: a key minted offline.
import { hmacSha256Hasher, parseKey } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { cli, json } from './support/cli.js';

describe('keygate generate', () => {
  it('prints a key with its id and a hash that verifies its secret', async () => {
    const out = json(await cli(['generate', '--prefix', 'sk_test', '--json']));
    const parsed = parseKey(out.key);
    if (!parsed.ok) throw new Error('generate printed no key');
    expect(parsed.key).toMatchObject({ prefix: 'sk_test', id: out.id });
    expect(await hmacSha256Hasher().verify(parsed.key.secret, out.hash)).toBe(true);
  });

  it('mints an sk_live key when no --prefix is given', async () => {
    const out = json(await cli(['generate', '--json']));
    expect(out.key).toMatch(/^sk_live_/);
    expect(out.prefix).toBe('sk_live');
  });

  it('exits 2 for a prefix keygate does not accept', async () => {
    const run = await cli(['generate', '--prefix', 'Not-A-Prefix']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keygate: /);
    expect(run.stdout).toBe('');
  });
});
