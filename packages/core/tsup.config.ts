import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  adapter: 'src/adapter.ts',
  redis: 'src/redis.ts',
  postgres: 'src/postgres.ts',
  otel: 'src/otel.ts',
};

// Both formats split shared code into chunks, so the entries share one copy of every module
// (one KeygateError class, one rate-limit step cache) in ESM and in CommonJS alike.
// scrypt-kdf is ESM-only: the CommonJS build bundles it so `require('@keygate/core')` works on every Node >= 20.
export default defineConfig([
  { entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'node20', splitting: true },
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    noExternal: ['scrypt-kdf'],
  },
]);
