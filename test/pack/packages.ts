// The packages as npm would get them: every publishable workspace package (packages/* without
// "private"), packed with `pnpm pack`, which writes real versions for `workspace:` and `catalog:`.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

/** The workspace root. */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A package.json as far as these tests read it. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  bin?: Record<string, string>;
  main?: string;
  types?: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Folder under packages/. */
  readonly dir: string;
  /** Absolute path of that folder. */
  readonly path: string;
  readonly manifest: Manifest;
}

/** Every package under packages/ that is not private: what a release publishes. */
export function publishablePackages(): WorkspacePackage[] {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const path = join(packagesDir, entry.name);
      try {
        const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest;
        return { dir: entry.name, path, manifest };
      } catch {
        return undefined; // a folder without a package.json is no package
      }
    })
    .filter((pkg): pkg is WorkspacePackage => pkg !== undefined && pkg.manifest.private !== true)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Packs one package with pnpm into `destination` and returns the tarball's absolute path. */
export async function pack(pkg: WorkspacePackage, destination: string): Promise<string> {
  const { stdout } = await exec('pnpm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: pkg.path,
    timeout: 60_000,
  });
  // pnpm prints a JSON object for the tarball (lifecycle output, if any, comes before it).
  const result = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { filename: string };
  return resolve(destination, result.filename);
}

/** Packs every publishable package into `destination`: package name → tarball path. */
export async function packAll(destination: string): Promise<Map<string, string>> {
  const packages = publishablePackages();
  const tarballs = await Promise.all(packages.map((pkg) => pack(pkg, destination)));
  return new Map(packages.map((pkg, index) => [pkg.manifest.name, tarballs[index] as string]));
}

/** The file names (without the leading `package/`) and the package.json of a tarball. */
export async function tarballContents(tarball: string): Promise<{ files: string[]; manifest: Manifest }> {
  const { stdout: listing } = await exec('tar', ['-tzf', tarball], { timeout: 30_000 });
  const files = listing
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  const { stdout: manifestText } = await exec('tar', ['-xzOf', tarball, 'package/package.json'], { timeout: 30_000 });
  return { files, manifest: JSON.parse(manifestText) as Manifest };
}

/** One file of a tarball, as text. */
export async function tarballFile(tarball: string, file: string): Promise<string> {
  const { stdout } = await exec('tar', ['-xzOf', tarball, `package/${file}`], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
