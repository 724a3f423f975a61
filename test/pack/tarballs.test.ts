// What `pnpm pack` makes of each publishable package is what npm users get: its files, its
// manifest, and its types under every module resolution (publint and attw on the tarball itself).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exec,
  type Manifest,
  packAll,
  publishablePackages,
  repoRoot,
  tarballContents,
  tarballFile,
} from './packages.js';

const packages = publishablePackages();
let workDir: string;
let tarballs: Map<string, string>;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'keygate-tarballs-'));
  tarballs = await packAll(workDir);
}, 120_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const tarballOf = (name: string): string => {
  const tarball = tarballs.get(name);
  if (tarball === undefined) throw new Error(`${name} was not packed`);
  return tarball;
};

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

it('finds the packages a release publishes', () => {
  expect(packages.map((pkg) => pkg.manifest.name)).toEqual(
    expect.arrayContaining(['@keygate/core', '@keygate/express', '@keygate/fastify', '@keygate/koa']),
  );
});

describe.each(packages)('$manifest.name tarball', ({ path, manifest }) => {
  it('ships its README, the LICENSE and package.json', async () => {
    const { files } = await tarballContents(tarballOf(manifest.name));
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
  });

  it('ships nothing but those and its built files', async () => {
    const { files } = await tarballContents(tarballOf(manifest.name));
    const others = files.filter((file) => !['README.md', 'LICENSE', 'package.json'].includes(file));
    expect(others.length).toBeGreaterThan(0);
    expect(others.filter((file) => !file.startsWith('dist/'))).toEqual([]);
  });

  it('ships the repository LICENSE unchanged: MIT, keygate contributors', async () => {
    const license = await tarballFile(tarballOf(manifest.name), 'LICENSE');
    expect(license).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 keygate contributors\n/);
  });

  it('ships a README that names the package and shows how to install it', async () => {
    const readme = await tarballFile(tarballOf(manifest.name), 'README.md');
    expect(readme.startsWith(`# ${manifest.name}\n`)).toBe(true);
    const install = readme.split('\n').filter((line) => line.startsWith('npm install '));
    expect(install.some((line) => line.split(/\s+/).includes(manifest.name))).toBe(true);
  });

  it('keeps a CHANGELOG, as changesets writes it, with an entry for its version', () => {
    const changelog = readFileSync(join(path, 'CHANGELOG.md'), 'utf8');
    expect(changelog.startsWith(`# ${manifest.name}\n`)).toBe(true);
    expect(changelog).toContain(`\n## ${manifest.version}\n`);
  });

  it('publishes no workspace: or catalog: version', async () => {
    const { manifest: packed } = await tarballContents(tarballOf(manifest.name));
    const ranges = DEPENDENCY_FIELDS.flatMap((field) => Object.entries(packed[field] ?? {}));
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.filter(([, range]) => /^(workspace|catalog):/.test(range))).toEqual([]);
  });

  it('depends on the other keygate packages at ranges their current versions satisfy', async () => {
    const { manifest: packed } = await tarballContents(tarballOf(manifest.name));
    const versions = new Map(packages.map((pkg) => [pkg.manifest.name, pkg.manifest.version]));
    for (const [name, range] of Object.entries(packed.dependencies ?? {})) {
      const version = versions.get(name);
      if (version !== undefined) expect([version, `^${version}`, `~${version}`], name).toContain(range);
    }
  });

  it('declares license, repository, homepage, bugs and keywords', () => {
    const expected: Partial<Manifest> = {
      license: 'MIT',
      repository: expect.objectContaining({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//) }),
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
      keywords: expect.arrayContaining(['api-key']),
    };
    expect(manifest).toMatchObject(expected);
    expect(manifest.repository?.directory).toBe(path.slice(repoRoot.length + 1));
  });

  it('passes publint in strict mode, checked on the tarball', async () => {
    const tarball = readFileSync(tarballOf(manifest.name));
    const pack = { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) };
    const { messages, pkg } = await publint({ pack, strict: true });
    const problems = messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false })}`);
    expect(problems).toEqual([]);
  });

  it('has no problem that attw finds under node10, node16 (CJS and ESM) or bundler resolution', async () => {
    const { stdout } = await exec(
      join(repoRoot, 'test/node_modules/.bin/attw'),
      [tarballOf(manifest.name), '--format', 'json', '--profile', 'strict', '--no-definitely-typed'],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as { analysis: { types: unknown }; problems?: unknown };
    expect(Object.values(report.problems ?? {}).flat()).toEqual([]);
    if (manifest.exports !== undefined) expect(report.analysis.types).toEqual({ kind: 'included' });
  });
});
