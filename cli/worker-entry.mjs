// Worker thread bootstrap: a worker starts without the main thread's module
// hooks, so it registers tsx itself before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
