import { defineConfig } from 'tsup';

// One ESM file, the package's bin. @keygate/core stays external (a dependency); ioredis and pg
// (optional peers) and core's redis and postgres entries are imported only when a store URL needs them.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
