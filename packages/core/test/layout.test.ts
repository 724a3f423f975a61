// The layout of src/ stays one-way: a folder imports only folders below it, and nothing imports in
// a cycle. The layers, bottom first (see README "Layout").
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors.ts', 'events.ts', 'options.ts', 'key', 'hashing', 'types', 'credits/allowance.ts', 'telemetry'],
  ['stores', 'otel'],
  ['verify', 'lifecycle', 'rate-limit', 'credits', 'audit'],
  ['keygate/options.ts', 'keygate/instance.ts'],
  ['http'],
  ['management', 'leaks'],
  ['keygate/create.ts'],
  ['index.ts', 'adapter.ts', 'redis.ts', 'postgres.ts', 'otel.ts'],
];

function layerOf(file: string): number {
  const found = LAYERS.findIndex((layer) => layer.some((entry) => file === entry || file.startsWith(`${entry}/`)));
  if (found === -1) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
  return found;
}

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(SRC, path)] : [];
  });
}

// Each file's local imports, as paths relative to src/.
const imports = new Map(
  sources().map((file) => {
    const text = readFileSync(join(SRC, file), 'utf8');
    const targets = [...text.matchAll(/from\s+'(\.[^']+)'/g)].map((m) =>
      normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'))),
    );
    return [file, [...new Set(targets)]] as const;
  }),
);

describe('src layout', () => {
  it('puts every file in a layer', () => {
    for (const file of imports.keys()) expect(() => layerOf(file)).not.toThrow();
  });

  it('has no file importing a layer above its own', () => {
    const upward = [...imports].flatMap(([file, targets]) =>
      targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const done = new Set<string>();
    const onPath: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string) => {
      if (done.has(file)) return;
      const at = onPath.indexOf(file);
      if (at !== -1) {
        cycles.push([...onPath.slice(at), file].join(' -> '));
        return;
      }
      onPath.push(file);
      for (const target of imports.get(file) ?? []) visit(target);
      onPath.pop();
      done.add(file);
    };
    for (const file of imports.keys()) visit(file);
    expect(cycles).toEqual([]);
  });
});
