// `keygate scan PATH...`: keygate keys in files, printed redacted; exit 0 when none, 1 when found,
// 2 for a bad command line.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '@keygate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keygate-scan-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, content: string | Buffer) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
};

describe('keygate scan', () => {
  it('prints file:line:column and the key redacted to prefix and id, and exits 1', async () => {
    const { key, id, secret } = generateKey('sk_live');
    write('src/config.js', `// settings\nexport const key = '${key}';\n`);
    const run = await cli(['scan', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${join(dir, 'src/config.js')}:2:21  sk_live_${id}_[redacted]\n`);
    expect(run.stdout).toContain('1 keygate key(s) found in 1 file(s)');
    expect(run.stdout).not.toContain(secret);
    expect(run.stdout).not.toContain(key);
  });

  it('exits 0 and says so when no key is found', async () => {
    write('a.txt', `sk_live_${'A'.repeat(12)}_${'B'.repeat(49)}\n`);
    const run = await cli(['scan', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('No keygate keys found (1 file(s) scanned).\n');
  });

  it('prints findings as JSON with --json, never the secret', async () => {
    const { key, id, secret } = generateKey('kg');
    write('one.env', `API_KEY=${key}\n`);
    const run = await cli(['scan', join(dir, 'one.env'), '--json']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out).toEqual({
      findings: [{ file: join(dir, 'one.env'), line: 1, column: 9, prefix: 'kg', id, key: `kg_${id}_[redacted]` }],
      scannedFiles: 1,
      skipped: [],
    });
    expect(run.stdout).not.toContain(secret);
  });

  it('walks directories but skips node_modules, .git and symbolic links', async () => {
    const { key } = generateKey('kg');
    write('node_modules/pkg/index.js', key);
    write('.git/config', key);
    write('real/file.txt', 'nothing here');
    symlinkSync(join(dir, 'node_modules'), join(dir, 'real', 'linked'));
    const run = await cli(['scan', dir, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ findings: [], scannedFiles: 1 });
  });

  it('skips binary files', async () => {
    const { key } = generateKey('kg');
    write('image.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(key)]));
    const run = await cli(['scan', dir, '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ findings: [], scannedFiles: 0 });
    expect(run.code).toBe(0);
  });

  it('skips files over 4 MiB and reports them', async () => {
    const { key } = generateKey('kg');
    write('big.log', `${'x'.repeat(4 * 1024 * 1024)}\n${key}\n`);
    const run = await cli(['scan', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Skipped ${join(dir, 'big.log')}: over 4194304 bytes.`);
    const json = await cli(['scan', dir, '--json']);
    expect(JSON.parse(json.stdout).skipped).toEqual([{ file: join(dir, 'big.log'), reason: 'too_large' }]);
  });

  it('scans several paths, files and directories alike', async () => {
    const a = generateKey('kg');
    const b = generateKey('kg');
    write('one/a.txt', a.key);
    write('two.txt', b.key);
    const run = await cli(['scan', join(dir, 'one'), join(dir, 'two.txt'), '--json']);
    expect(JSON.parse(run.stdout).findings.map((f: { id: string }) => f.id)).toEqual([a.id, b.id]);
  });

  it('exits 2 without a path, or for a path that does not exist', async () => {
    const none = await cli(['scan']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('scan takes one or more paths.');
    const missing = await cli(['scan', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
  });

  it('exits 2 for an option scan does not take', async () => {
    expect((await cli(['scan', dir, '--store', 'redis://x'])).code).toBe(2);
  });
});
