// The published shape of the four packages, checked on their built output: both module systems
// load and expose the same names, subpaths resolve, publint is clean, package.json is sound.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages');

interface PackageSpec {
  readonly dir: string;
  readonly name: string;
  readonly exports: readonly string[];
  readonly framework?: string;
}

const PACKAGES: readonly PackageSpec[] = [
  {
    dir: 'core',
    name: '@keygate/core',
    exports: [
      'createKeygate',
      'MemoryStore',
      'hmacSha256Hasher',
      'scryptHasher',
      'MemoryRateLimiter',
      'DEFAULT_KEY_SOURCES',
      'KeygateError',
      'isKeygateError',
      'generateKey',
      'parseKey',
      'keyPattern',
      'KEY_PATTERN',
      'hasScopes',
    ],
  },
  { dir: 'express', name: '@keygate/express', exports: ['apiKeyAuth', 'requireScopes'], framework: 'express' },
  { dir: 'koa', name: '@keygate/koa', exports: ['apiKeyAuth', 'requireScopes'], framework: 'koa' },
  {
    dir: 'fastify',
    name: '@keygate/fastify',
    exports: ['keygatePlugin', 'requireScopes', 'default'],
    framework: 'fastify',
  },
];

const SUBPATHS = [
  '@keygate/core/adapter',
  '@keygate/core/redis',
  '@keygate/core/postgres',
  '@keygate/core/otel',
] as const;

type PackageJson = {
  name: string;
  engines?: { node?: string };
  files?: string[];
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

const readPackageJson = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as PackageJson;

/** Names a module namespace or CommonJS exports object offers, minus interop markers. */
const namesOf = (module: object) =>
  Object.keys(module)
    .filter((name) => name !== '__esModule' && name !== 'module.exports')
    .sort();

/** Every object of conditions (not subpaths) in an exports map that maps some condition to a file. */
function leafConditions(value: unknown, path: string[] = []): Array<[string, Record<string, unknown>]> {
  if (typeof value !== 'object' || value === null) return [];
  const entries = Object.entries(value as Record<string, unknown>);
  const nested = entries.flatMap(([key, inner]) => leafConditions(inner, [...path, key]));
  const isConditions = entries.every(([key]) => !key.startsWith('.'));
  return isConditions && entries.some(([, inner]) => typeof inner === 'string')
    ? [[path.join(' > '), value as Record<string, unknown>], ...nested]
    : nested;
}

describe.each(PACKAGES)('$name: built package', (spec) => {
  const pkg = readPackageJson(spec.dir);
  const distDir = join(packagesDir, spec.dir, 'dist') + sep;

  it('is the package this test expects', () => {
    expect(pkg.name).toBe(spec.name);
  });

  it('loads with import() from dist and exposes the expected names', async () => {
    const module = await import(spec.name);
    for (const name of spec.exports) expect(module[name], name).toBeDefined();
  });

  it('loads with require() from dist and exposes the expected names', () => {
    expect(require.resolve(spec.name)).toBe(join(distDir, 'index.cjs'));
    const module = require(spec.name) as Record<string, unknown>;
    for (const name of spec.exports) expect(module[name], name).toBeDefined();
  });

  it('exposes the same names to import() and require()', async () => {
    const esm = await import(spec.name);
    expect(namesOf(require(spec.name))).toEqual(namesOf(esm));
  });

  it('passes publint in strict mode', async () => {
    const { messages, pkg: linted } = await publint({ pkgDir: join(packagesDir, spec.dir), strict: true });
    const problems = messages
      .filter((message) => message.type === 'error' || message.type === 'warning')
      .map((message) => `${message.type}: ${formatMessage(message, linted, { color: false })}`);
    expect(problems).toEqual([]);
  });

  it('declares engines.node >=20', () => {
    expect(pkg.engines?.node).toMatch(/^>=\s*20(\.0){0,2}$/);
  });

  it('publishes only dist', () => {
    expect(pkg.files).toEqual(['dist']);
  });

  it('lists types first in every condition of its exports, and every file exists', () => {
    const leaves = leafConditions(pkg.exports);
    expect(leaves.length).toBeGreaterThan(0);
    for (const [path, conditions] of leaves) {
      expect(Object.keys(conditions)[0], path).toBe('types');
      for (const file of Object.values(conditions)) {
        expect(existsSync(join(packagesDir, spec.dir, file as string)), `${path}: ${String(file)}`).toBe(true);
      }
    }
  });

  it('offers types for both import and require in every entry point', () => {
    for (const [subpath, entry] of Object.entries(pkg.exports ?? {})) {
      if (subpath === './package.json') continue;
      const { import: esm, require: cjs } = entry as Record<string, Record<string, string>>;
      expect(esm?.types, `${subpath} import`).toMatch(/\.d\.ts$/);
      expect(cjs?.types, `${subpath} require`).toMatch(/\.d\.cts$/);
    }
  });

  it('resolves import() to dist', () => {
    expect(fileURLToPath(import.meta.resolve(spec.name))).toBe(join(distDir, 'index.js'));
  });
});

describe.each(PACKAGES.filter((spec) => spec.framework !== undefined))('$name: peer dependencies', (spec) => {
  const pkg = readPackageJson(spec.dir);
  const framework = spec.framework as string;

  it(`has ${framework} as a peer dependency, not a dependency`, () => {
    expect(pkg.peerDependencies?.[framework]).toEqual(expect.any(String));
    expect(pkg.dependencies?.[framework]).toBeUndefined();
  });
});

describe.each(SUBPATHS)('%s: subpath export', (subpath) => {
  const file = subpath.split('/').at(-1) as string;
  const distDir = join(packagesDir, 'core', 'dist');

  it('resolves and loads with import()', async () => {
    expect(fileURLToPath(import.meta.resolve(subpath))).toBe(join(distDir, `${file}.js`));
    await expect(import(subpath)).resolves.toBeTypeOf('object');
  });

  it('resolves and loads with require()', () => {
    expect(require.resolve(subpath)).toBe(join(distDir, `${file}.cjs`));
    expect(require(subpath)).toBeTypeOf('object');
  });

  it('exposes the same names to import() and require()', async () => {
    const esm = await import(subpath);
    expect(namesOf(require(subpath))).toEqual(namesOf(esm));
  });
});

describe('@keygate/core: optional peers', () => {
  it('keeps ioredis, pg and @opentelemetry/api optional peer dependencies', () => {
    const pkg = readPackageJson('core');
    for (const peer of ['ioredis', 'pg', '@opentelemetry/api']) {
      expect(pkg.peerDependencies?.[peer], peer).toEqual(expect.any(String));
      expect(pkg.peerDependenciesMeta?.[peer]?.optional, peer).toBe(true);
    }
  });
});

describe('@keygate/core entries share one copy of core', () => {
  it('throws KeygateErrors from a subpath that the main entry recognises, with import()', async () => {
    const core = await import('@keygate/core');
    const redis = await import('@keygate/core/redis');
    const thrown = (() => {
      try {
        new redis.RedisStore({} as never);
      } catch (error) {
        return error;
      }
    })();
    expect(core.isKeygateError(thrown, 'invalid_options')).toBe(true);
  });

  it('throws KeygateErrors from a subpath that the main entry recognises, with require()', () => {
    const core = require('@keygate/core') as typeof import('@keygate/core');
    const redis = require('@keygate/core/redis') as typeof import('@keygate/core/redis');
    const thrown = (() => {
      try {
        new redis.RedisStore({} as never);
      } catch (error) {
        return error;
      }
    })();
    expect(core.isKeygateError(thrown, 'invalid_options')).toBe(true);
  });
});
