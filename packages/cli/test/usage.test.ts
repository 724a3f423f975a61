// The command line itself: help, and the usage errors (exit 2) caught before any store is opened.
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';

describe('keygate usage', () => {
  it('prints help with the exit codes and exits 0 on --help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 .*usage.*\n {2}3 .*not found.*\n {2}4 .*conflict/,
    );
  });

  it('says in its help that the default key prefix is sk_live', async () => {
    expect((await cli(['--help'])).stdout).toContain('(default sk_live)');
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['frob']],
    ['an unknown option', ['list', '--store', 'redis://127.0.0.1:1', '--owner', 'o', '--verbose']],
    ['a missing --owner', ['create', '--store', 'redis://127.0.0.1:1', '--name', 'n']],
    ['a missing --store', ['list', '--owner', 'o']],
    ['a memory: store', ['list', '--store', 'memory:', '--owner', 'o']],
    ['an unsupported store URL', ['list', '--store', 'mysql://localhost/db', '--owner', 'o']],
    [
      'a duration without a unit',
      ['create', '--store', 'redis://127.0.0.1:1', '--owner', 'o', '--name', 'n', '--expires-in', '30'],
    ],
    ['revoke without an id', ['revoke', '--store', 'redis://127.0.0.1:1']],
    ['disable without an id', ['disable', '--store', 'redis://127.0.0.1:1']],
    ['enable with two ids', ['enable', '--store', 'redis://127.0.0.1:1', '000000000000', '000000000001']],
    ['hash with an argument', ['hash', 'kg_x']],
    ['migrate on Redis', ['migrate', '--store', 'redis://127.0.0.1:1']],
    ['an unknown hasher', ['generate', '--hasher', 'md5']],
  ])('exits 2 for %s', async (_, args) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keygate: /);
    expect(run.stdout).toBe('');
  });
});
