// KeygateError is the only error class keygate throws: no package source builds an error of
// another class or declares one (a subclass of KeygateError is a KeygateError).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages');
const OTHER_ERROR =
  /\bnew (?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)\(/;
const ERROR_CLASS = /\bclass \w+ extends Error\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Every line of every package's src/ matching `pattern`, as `path:line: text`.
function linesMatching(pattern: RegExp): string[] {
  return readdirSync(packagesDir).flatMap((name) => {
    const src = join(packagesDir, name, 'src');
    let files: string[];
    try {
      files = sources(src);
    } catch {
      return [];
    }
    return files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((text, i) => (pattern.test(text) ? [`${relative(packagesDir, file)}:${i + 1}: ${text.trim()}`] : [])),
    );
  });
}

describe('errors keygate throws', () => {
  it('builds no error of a built-in class in any package source', () => {
    expect(linesMatching(OTHER_ERROR)).toEqual([]);
  });

  it('declares no error class but KeygateError', () => {
    const classes = linesMatching(ERROR_CLASS);
    expect(classes.filter((line) => !line.startsWith('core/src/errors.ts:'))).toEqual([]);
    expect(classes.map((line) => line.split(': ')[1])).toEqual(['export class KeygateError extends Error {']);
  });
});
