// One version of each shared tool and test dependency: pnpm-workspace.yaml's catalog, which every
// package.json names as `catalog:`. Published ranges (runtime dependencies, peers) stay explicit.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Manifest, repoRoot } from './packages.js';

/** The default catalog of pnpm-workspace.yaml: package name → range. */
function catalog(): Map<string, string> {
  const workspace = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const section = /^catalog:\n((?: {2}.*\n?)*)/m.exec(workspace)?.[1] ?? '';
  return new Map(
    [...section.matchAll(/^ {2}(?:"([^"]+)"|([^\s:"]+)):\s*(\S+)\s*$/gm)].map((m) => [m[1] ?? m[2] ?? '', m[3] ?? '']),
  );
}

const manifests = [
  '.',
  'test',
  ...['packages', 'examples'].flatMap((dir) => readdirSync(join(repoRoot, dir)).map((name) => `${dir}/${name}`)),
]
  .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as Manifest }));

it('catalogs typescript, vitest, tsup, @types/node, ioredis and pg', () => {
  expect([...catalog().keys()]).toEqual(
    expect.arrayContaining(['typescript', 'vitest', 'tsup', '@types/node', 'ioredis', 'pg']),
  );
});

describe.each(manifests)('$dir/package.json', ({ manifest }) => {
  it('names every catalogued development dependency as catalog:', () => {
    const sections =
      manifest.private === true ? (['dependencies', 'devDependencies'] as const) : (['devDependencies'] as const);
    const pinned = sections.flatMap((section) =>
      Object.entries(manifest[section] ?? {}).filter(([name, range]) => catalog().has(name) && range !== 'catalog:'),
    );
    expect(pinned).toEqual([]);
  });
});
