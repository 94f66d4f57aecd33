import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (file: string): string => fileURLToPath(new URL(`./lib/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the library by its package name, as users do, but run its sources (no build needed);
    // test/library/package.test.ts runs the compiled package through plain Node.
    alias: [
      { find: /^crashsim$/, replacement: lib('index.ts') },
      { find: /^crashsim\/(register|vitest)$/, replacement: lib('$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core CI machines: vitest 4 defaults to availableParallelism - 1 = 1 worker.
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
  },
});
