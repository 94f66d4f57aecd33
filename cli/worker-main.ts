/**
 * Worker thread entry of the compiled command (dist/cli/worker-main.js, chosen
 * by cli/pool.ts): source maps first, so stack traces and call sites name the
 * TypeScript lines as in the main thread, then the worker itself.
 */
process.setSourceMapsEnabled(true);
await import('./worker.js');
