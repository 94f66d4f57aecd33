import { defineConfig } from 'vitest/config';

export default defineConfig({
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
