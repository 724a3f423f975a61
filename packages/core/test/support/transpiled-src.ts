// The current src/ as JavaScript, for tests that run it in child processes: transpiled here with
// TypeScript (no dependency on a build in dist/, which turbo may be rewriting while tests run),
// into an ignored cache folder under node_modules, so the children resolve this package's
// dependencies (ioredis, pg). Used by the multi-process tests (rate limits, credits).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { randomBase62 } from '../../src/key/base62.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A transpiled copy of src/: the file URL of a module in it, and its removal. */
export interface TranspiledSrc {
  /** The file URL of a src module, by its path under src/ with `.js`, e.g. `stores/redis/store.js`. */
  moduleUrl(path: string): string;
  remove(): void;
}

/** Writes every src/**\/*.ts as ES2022 JavaScript into a fresh folder, keeping layout and import specifiers. */
export function transpileSrc(): TranspiledSrc {
  const outDir = join(PACKAGE_DIR, 'node_modules', '.cache', `keygate-src-${randomBase62(8)}`);
  const srcDir = join(PACKAGE_DIR, 'src');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
          ? [join(dir, entry.name)]
          : [],
    );
  for (const file of walk(srcDir)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const out = join(outDir, relative(srcDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return {
    moduleUrl: (path) => pathToFileURL(join(outDir, path)).href,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
