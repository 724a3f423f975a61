// The package's bin as a user runs it: `node packages/cli/dist/cli.js …`, the path package.json names.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { bin } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  bin: Record<string, string>;
};
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin.keygate as string, ...args], { cwd: packageDir, encoding: 'utf8' });

describe('the keygate bin', () => {
  it('is dist/cli.js, a node script', () => {
    expect(bin).toEqual({ keygate: './dist/cli.js' });
    expect(readFileSync(new URL('../dist/cli.js', import.meta.url), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('prints usage and exits 0 on --help', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: keygate <command> \[options\]/);
  });

  it('mints keys that start with sk_live_ by default', () => {
    const { status, stdout } = run('generate', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout).key).toMatch(/^sk_live_[0-9A-Za-z]{12}_/);
  });
});
