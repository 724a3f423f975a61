import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['./support/redis-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Type tests (*.test-d.ts, expectTypeOf) are type-checked with tsc as part of every run.
    typecheck: { enabled: true, include: ['types/**/*.test-d.ts'], tsconfig: './types/tsconfig.json' },
  },
});
