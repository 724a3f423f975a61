// The files a scan reads: the paths given, directories walked (symbolic links inside them, and
// node_modules and .git, skipped), files over the size bound or that look binary left out.
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { usage } from '../exit.js';

/** Largest file a scan reads, in bytes (4 MiB): larger ones are reported as skipped. */
export const MAX_SCAN_FILE_BYTES = 4 * 1024 * 1024;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);
// A NUL byte in the first 8 KiB makes a file binary, as git judges it.
const BINARY_SNIFF_BYTES = 8000;

/** A file the scan read, or one it had to leave out and why. */
export type ScannedFile =
  | { readonly path: string; readonly text: string }
  | { readonly path: string; readonly skipped: 'binary' | 'too_large' | 'unreadable' };

/**
 * Every file under `paths`, in order (directories sorted by name), read or skipped. A path that
 * does not exist is a usage error.
 */
export async function* scanFiles(paths: readonly string[]): AsyncGenerator<ScannedFile> {
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw usage(`scan: no such file or directory: ${path}`);
    });
    if (info.isDirectory()) yield* walk(path);
    else if (info.isFile()) yield await readText(path, info.size);
  }
}

async function* walk(directory: string): AsyncGenerator<ScannedFile> {
  let names: string[];
  try {
    names = (await readdir(directory)).sort();
  } catch {
    yield { path: directory, skipped: 'unreadable' };
    return;
  }
  for (const name of names) {
    const path = join(directory, name);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) yield { path, skipped: 'unreadable' };
    else if (info.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(name)) yield* walk(path);
    } else if (info.isFile()) yield await readText(path, info.size);
  }
}

async function readText(path: string, size: number): Promise<ScannedFile> {
  if (size > MAX_SCAN_FILE_BYTES) return { path, skipped: 'too_large' };
  try {
    const file = await open(path, 'r');
    try {
      // Read what stat announced and one byte more: never more than the bound and a byte.
      const buffer = Buffer.alloc(Math.min(size, MAX_SCAN_FILE_BYTES) + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_SCAN_FILE_BYTES) return { path, skipped: 'too_large' };
      const bytes = buffer.subarray(0, bytesRead);
      if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { path, skipped: 'binary' };
      return { path, text: bytes.toString('utf8') };
    } finally {
      await file.close();
    }
  } catch {
    return { path, skipped: 'unreadable' };
  }
}
